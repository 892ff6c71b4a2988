package org.jamesetrn.server.rabbitmq;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.rabbitmq.RabbitMQMailQueue;
import org.apache.james.queue.rabbitmq.RabbitMQMailQueueFactory;
import org.apache.mailet.Mail;
import org.jamesetrn.server.DequeueGate;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import reactor.core.publisher.Flux;
import reactor.rabbitmq.QueueSpecification;
import reactor.rabbitmq.Sender;

/**
 * James's RabbitMQ mail queues ({@link RabbitMQMailQueueFactory}), each served by one object per name and prefetch, and
 * consumed only once James's mailet context is ready ({@link DequeueGate}: after a crash, RemoteDelivery's queues hold
 * mail at start-up, and a delivery whose {@code onSuccess} finds no spool yet is rolled back and delivered again).
 *
 * <p>A mail whose processing failed goes back to its queue {@link #RETRY_AFTER} later, never to RabbitMQ's dead-letter
 * queue. James's spool rejects a mail (REJECT: RabbitMQ dead-letters it, and nothing consumes dead letters) when its
 * error handling fails too, which is what a store that times out does to both: a mail acknowledged over SMTP then sat
 * in the dead-letter queue, not lost but never processed (ClusterIntakeTest: 599 of 600 held, Cassandra timing out
 * under load). And RemoteDelivery and the spool put a failed mail back at once (RETRY), to fail again as fast as
 * RabbitMQ can deliver it while the store is down. Here both wait {@link #RETRY_AFTER}, the mail unacknowledged in
 * the meantime (RabbitMQ delivers it again if the server dies), then go back to the queue. Mails James's dequeue
 * cannot even read (undecodable, contents gone) are rejected by James before they reach anyone: those still go to
 * the dead-letter queue, where James's health check reports them.</p>
 *
 * <p>James's factory builds a new queue object, with a round trip to RabbitMQ's management API and two Cassandra
 * writes (its view's start pointers), at every {@code getQueue} and {@code createQueue}; James's servers look queues
 * up at start-up, ETRN's engine and WebAdmin at every request: here the first object is kept.</p>
 */
public class RabbitMQQueues implements MailQueueFactory<ManageableMailQueue> {
    /** How long a mail whose processing failed waits before it goes back to its queue. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(5);
    /** The name James 3.8.1 gives the RabbitMQ queue behind a mail queue, before the mail queue's own name. */
    static final String WORK_QUEUE_PREFIX = "JamesMailQueue-workqueue-";
    private static final Duration COUNT_TIMEOUT = Duration.ofSeconds(1);
    private static final Logger LOGGER = LoggerFactory.getLogger(RabbitMQQueues.class);

    private final RabbitMQMailQueueFactory queues;
    private final DequeueGate gate;
    private final Sender sender;
    private final ConcurrentMap<String, ManageableMailQueue> created = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "mail-queue-retries");
        thread.setDaemon(true);
        return thread;
    });

    @Inject
    public RabbitMQQueues(RabbitMQMailQueueFactory queues, DequeueGate gate, Sender sender) {
        this.queues = queues;
        this.gate = gate;
        this.sender = sender;
    }

    @Override
    public Optional<ManageableMailQueue> getQueue(MailQueueName name, PrefetchCount count) {
        ManageableMailQueue known = created.get(key(name, count));
        if (known != null) {
            return Optional.of(known);
        }
        return queues.getQueue(name, count).map(queue -> created.computeIfAbsent(key(name, count), any -> new Gated(queue, gate, retries)));
    }

    @Override
    public ManageableMailQueue createQueue(MailQueueName name, PrefetchCount count) {
        return created.computeIfAbsent(key(name, count), any -> new Gated(queues.createQueue(name, count), gate, retries));
    }

    /**
     * The mails ready in James's RabbitMQ queue for this mail queue (not yet taken by a consumer), as RabbitMQ counts
     * them: a passive declare, one round trip, nothing read from Cassandra. James's {@code getSize} reads its Cassandra
     * view of the queue instead, every mail enqueued since the view's browse start; SMTP's in-flow delay asks for the
     * spool's count up to 20 times a second while it paces intake ({@link RabbitMQQueueModule#spoolWaitingMails}).
     * The queue's name is James's ({@link #WORK_QUEUE_PREFIX}, package-private in James): were it named otherwise,
     * RabbitMQ would answer 404 and this would fail (logged, SMTP not paced).
     */
    public long readyMails(MailQueueName name) {
        return sender.declareQueue(QueueSpecification.queue(WORK_QUEUE_PREFIX + name.asString()).passive(true))
            .map(declared -> (long) declared.getMessageCount())
            .block(COUNT_TIMEOUT);
    }

    @Override
    public Set<MailQueueName> listCreatedMailQueues() {
        return queues.listCreatedMailQueues();
    }

    /** The prefetch is the queue object's (its consumer's QoS): the spool's is its thread count, SMTP's the default. */
    private static String key(MailQueueName name, PrefetchCount count) {
        return name.asString() + "/" + count.asInt();
    }

    /** James's queue, its dequeue held until the gate opens, its failed mails back later; everything else James's own. */
    static final class Gated implements ManageableMailQueue {
        private final RabbitMQMailQueue queue;
        private final DequeueGate gate;
        private final ScheduledExecutorService retries;

        Gated(RabbitMQMailQueue queue, DequeueGate gate, ScheduledExecutorService retries) {
            this.queue = queue;
            this.gate = gate;
            this.retries = retries;
        }

        @Override
        public MailQueueName getName() {
            return queue.getName();
        }

        /** James's RabbitMQ queue has no delays: it logs the delay and enqueues at once. */
        @Override
        public void enQueue(Mail mail, Duration delay) throws MailQueueException {
            queue.enQueue(mail, delay);
        }

        @Override
        public void enQueue(Mail mail) throws MailQueueException {
            queue.enQueue(mail);
        }

        @Override
        public Publisher<Void> enqueueReactive(Mail mail) {
            return queue.enqueueReactive(mail);
        }

        @Override
        public Publisher<MailQueueItem> deQueue() {
            return gate.opened().thenMany(Flux.defer(queue::deQueue)).map(item -> new RetriedLater(item, getName(), retries));
        }

        @Override
        public long getSize() throws MailQueueException {
            return queue.getSize();
        }

        @Override
        public Publisher<Long> getSizeReactive() {
            return queue.getSizeReactive();
        }

        @Override
        public long flush() {
            return queue.flush();
        }

        @Override
        public long clear() {
            return queue.clear();
        }

        @Override
        public long remove(Type type, String value) {
            return queue.remove(type, value);
        }

        @Override
        public MailQueueIterator browse() {
            return queue.browse();
        }

        @Override
        public void close() {
            queue.close();
        }

        @Override
        public String toString() {
            return queue.toString();
        }
    }

    /** A dequeued mail: done, it leaves the queue; failed (RETRY or REJECT), it goes back {@link #RETRY_AFTER} later. */
    static final class RetriedLater implements MailQueue.MailQueueItem {
        private final MailQueue.MailQueueItem item;
        private final MailQueueName queue;
        private final ScheduledExecutorService retries;

        RetriedLater(MailQueue.MailQueueItem item, MailQueueName queue, ScheduledExecutorService retries) {
            this.item = item;
            this.queue = queue;
            this.retries = retries;
        }

        @Override
        public Mail getMail() {
            return item.getMail();
        }

        @Override
        public void done(CompletionStatus status) throws MailQueue.MailQueueException {
            if (status == CompletionStatus.SUCCESS) {
                item.done(status);
                return;
            }
            String name = item.getMail().getName();
            LOGGER.warn("Mail {} ({} by its processing) goes back to queue {} in {} s", name, status, queue.asString(),
                RETRY_AFTER.toSeconds());
            retries.schedule(() -> {
                try {
                    item.done(CompletionStatus.RETRY);
                } catch (Exception e) {
                    LOGGER.error("Mail {} could not be put back to queue {}: RabbitMQ delivers it again when this"
                        + " server's connection ends", name, queue.asString(), e);
                }
            }, RETRY_AFTER.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
