package org.jamesetrn.intake;

import javax.inject.Inject;

import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.ManageableMailQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backlog of James's spool ({@link MailQueueFactory#SPOOL}), whatever queue the server binds: the queue's own
 * count when it offers one ({@link SpoolBacklog}), else James's {@link ManageableMailQueue#getSize()} (the memory
 * queue's list, the ActiveMQ broker's statistics). A spool that can count neither reports 0: intake is then never
 * paused, as without this extension.
 *
 * <p>The spool is looked up at the first count, not when the extension's injector is built: James creates it when
 * it configures its mailet context.</p>
 */
public class QueueSpoolBacklog implements SpoolBacklog {
    private static final Logger LOGGER = LoggerFactory.getLogger(QueueSpoolBacklog.class);

    private final MailQueueFactory<? extends MailQueue> queues;

    @Inject
    public QueueSpoolBacklog(MailQueueFactory<? extends ManageableMailQueue> queues) {
        this.queues = queues;
    }

    @Override
    public long waitingMails() {
        MailQueue spool = queues.getQueue(MailQueueFactory.SPOOL).orElse(null);
        try {
            if (spool instanceof SpoolBacklog) {
                return ((SpoolBacklog) spool).waitingMails();
            }
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
