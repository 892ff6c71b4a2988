package org.jamesetrn.server.rabbitmq;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import javax.inject.Inject;

import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.rabbitmq.RabbitMQMailQueue;
import org.apache.james.queue.rabbitmq.RabbitMQMailQueueFactory;
import org.apache.mailet.Mail;
import org.jamesetrn.server.DequeueGate;
import org.reactivestreams.Publisher;

import reactor.core.publisher.Flux;

/**
 * James's RabbitMQ mail queues ({@link RabbitMQMailQueueFactory}), each served by one object per name and prefetch, and
 * consumed only once James's mailet context is ready ({@link DequeueGate}: after a crash, RemoteDelivery's queues hold
 * mail at start-up, and a delivery whose {@code onSuccess} finds no spool yet is rolled back and delivered again).
 *
 * <p>James's factory builds a new queue object, with a round trip to RabbitMQ's management API and two Cassandra
 * writes (its view's start pointers), at every {@code getQueue} and {@code createQueue}; James's servers look queues
 * up at start-up, ETRN's engine and WebAdmin at every request: here the first object is kept.</p>
 */
public class RabbitMQQueues implements MailQueueFactory<ManageableMailQueue> {
    private final RabbitMQMailQueueFactory queues;
    private final DequeueGate gate;
    private final ConcurrentMap<String, ManageableMailQueue> created = new ConcurrentHashMap<>();

    @Inject
    public RabbitMQQueues(RabbitMQMailQueueFactory queues, DequeueGate gate) {
        this.queues = queues;
        this.gate = gate;
    }

    @Override
    public Optional<ManageableMailQueue> getQueue(MailQueueName name, PrefetchCount count) {
        ManageableMailQueue known = created.get(key(name, count));
        if (known != null) {
            return Optional.of(known);
        }
        return queues.getQueue(name, count).map(queue -> created.computeIfAbsent(key(name, count), any -> new Gated(queue, gate)));
    }

    @Override
    public ManageableMailQueue createQueue(MailQueueName name, PrefetchCount count) {
        return created.computeIfAbsent(key(name, count), any -> new Gated(queues.createQueue(name, count), gate));
    }

    @Override
    public Set<MailQueueName> listCreatedMailQueues() {
        return queues.listCreatedMailQueues();
    }

    /** The prefetch is the queue object's (its consumer's QoS): the spool's is its thread count, SMTP's the default. */
    private static String key(MailQueueName name, PrefetchCount count) {
        return name.asString() + "/" + count.asInt();
    }

    /** James's queue, its dequeue held until the gate opens; everything else James's own. */
    static final class Gated implements ManageableMailQueue {
        private final RabbitMQMailQueue queue;
        private final DequeueGate gate;

        Gated(RabbitMQMailQueue queue, DequeueGate gate) {
            this.queue = queue;
            this.gate = gate;
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
            return gate.opened().thenMany(Flux.defer(queue::deQueue));
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
}
