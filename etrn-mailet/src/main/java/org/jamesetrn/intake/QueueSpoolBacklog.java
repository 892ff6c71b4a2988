package org.jamesetrn.intake;

import java.util.function.LongSupplier;

import javax.inject.Inject;

import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.ManageableMailQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.inject.Binding;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.name.Names;

/**
 * The backlog of James's spool ({@link MailQueueFactory#SPOOL}), whatever queue the server binds: the server's own
 * count when it binds one ({@link #WAITING_MAILS}), else James's {@link ManageableMailQueue#getSize()} (the memory
 * queue's list, the ActiveMQ broker's statistics). A spool that can count neither reports 0: intake is then never
 * paused, as without this extension.
 *
 * <p>The server's count is found by name in James's injector, as the JMS broker is ({@code JmsBackends}): the
 * servers of this project load their classes from James's classpath and cannot see this extension's types, so they
 * offer a JDK {@link LongSupplier}. The cluster server counts the ready messages of the spool's RabbitMQ queue there,
 * where James's {@code getSize} would read every mail of its Cassandra view of the queue.</p>
 *
 * <p>The spool is looked up at the first count, not when the extension's injector is built: James creates it when
 * it configures its mailet context.</p>
 */
public class QueueSpoolBacklog implements SpoolBacklog {
    /** The name of a {@code LongSupplier} a server binds to count its spool's waiting mails itself. */
    public static final String WAITING_MAILS = "etrn.spool.waitingMails";
    private static final Logger LOGGER = LoggerFactory.getLogger(QueueSpoolBacklog.class);

    private final MailQueueFactory<? extends MailQueue> queues;
    private final LongSupplier serverCount;

    @Inject
    public QueueSpoolBacklog(MailQueueFactory<? extends ManageableMailQueue> queues, Injector injector) {
        this.queues = queues;
        Binding<LongSupplier> binding = injector.getExistingBinding(Key.get(LongSupplier.class, Names.named(WAITING_MAILS)));
        this.serverCount = binding == null ? null : binding.getProvider().get();
    }

    @Override
    public long waitingMails() {
        try {
            if (serverCount != null) {
                return serverCount.getAsLong();
            }
            MailQueue spool = queues.getQueue(MailQueueFactory.SPOOL).orElse(null);
            if (spool instanceof ManageableMailQueue) {
                return ((ManageableMailQueue) spool).getSize();
            }
        } catch (Exception e) {
            // A spool that cannot count now (its broker restarting) fails the enqueue too: SMTP says so to the sender.
            // Pausing intake would only delay that answer.
            LOGGER.debug("The spool's backlog cannot be counted now", e);
        }
        return 0;
    }
}
