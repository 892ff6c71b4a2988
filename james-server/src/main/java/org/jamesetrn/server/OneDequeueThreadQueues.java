package org.jamesetrn.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;
import javax.jms.Connection;
import javax.jms.ConnectionFactory;
import javax.jms.DeliveryMode;
import javax.jms.Destination;
import javax.jms.JMSException;
import javax.jms.Message;
import javax.jms.MessageProducer;
import javax.jms.Session;
import javax.mail.MessagingException;

import org.apache.activemq.ActiveMQSession;
import org.apache.activemq.BlobMessage;
import org.apache.activemq.command.ActiveMQBlobMessage;
import org.apache.activemq.command.ActiveMQQueue;

import org.apache.james.metrics.api.GaugeRegistry;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.queue.activemq.ActiveMQCacheableMailQueue;
import org.apache.james.queue.activemq.ActiveMQMailQueueFactory;
import org.apache.james.queue.activemq.EmbeddedActiveMQ;
import org.apache.james.queue.activemq.metric.ActiveMQMetricCollector;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueItemDecoratorFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.server.core.MimeMessageInputStream;
import org.apache.mailet.Mail;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * James's ActiveMQ mail queues, each taking its mail on one thread of its own.
 *
 * <p>Why: James 3.8.1's JMS queue dequeues with {@code Mono.defer(deQueueOneItem).repeat()}, a blocking
 * {@code receive} re-run on whatever thread asks for the next mail. RemoteDelivery asks from its delivery threads as
 * each delivery ends; when deliveries take a while (a slow site, or RemoteDelivery's {@code onSuccess} enqueue), two
 * threads drive that loop at once and a mail already received is dropped on the way: it stays "in flight" on a JMS
 * consumer nobody will ever commit, undelivered until James restarts (docs/activemq.md, "One dequeue thread per
 * queue", has the measurement). James's memory queue does not have the problem because its dequeue loop runs on a
 * thread of its own ({@code subscribeOn}); these queues do the same: every request for the next mail is handed to
 * the queue's dequeue thread, so the loop never runs on two threads. And the loop starts only once James's mailet
 * context is ready ({@link DequeueGate}). Nothing else changes: same class family (ETRN and James's WebAdmin see an
 * {@link ActiveMQCacheableMailQueue}), same messages.</p>
 */
public class OneDequeueThreadQueues extends ActiveMQMailQueueFactory {
    private static final Logger LOGGER = LoggerFactory.getLogger(OneDequeueThreadQueues.class);

    private final ActiveMQMetricCollector metricCollector;
    private final DequeueGate gate;
    private final PrioritizedQueuesKahaDB store;

    @Inject
    public OneDequeueThreadQueues(EmbeddedActiveMQ broker, MailQueueItemDecoratorFactory decorators, MetricFactory metrics,
                                  GaugeRegistry gauges, ActiveMQMetricCollector metricCollector, DequeueGate gate,
                                  PrioritizedQueuesKahaDB store) {
        super(broker, decorators, metrics, gauges, metricCollector);
        this.metricCollector = metricCollector;
        this.gate = gate;
        this.store = store;
    }

    @Override
    protected ManageableMailQueue createCacheableMailQueue(MailQueueName name) {
        metricCollector.collectQueueStatistics(name);
        return new Queue(this, name);
    }

    /**
     * James's ActiveMQ queue (blob messages, as the factory's default), its dequeue loop on one thread, its enqueues
     * each on a connection of their own, the spool consumed on {@link #SPOOL_CONSUMERS} connections.
     *
     * <p>Why the connections: James's queue does everything on the one connection it opens, and ActiveMQ's broker
     * handles a connection's commands one after the other, waiting for KahaDB to write and sync each persistent send
     * and each transaction's commit before it takes the next. Every mail accepted over SMTP thus waited for the
     * previous mail's disk sync, and so did every mail the spool had processed (measured: the persistent server
     * accepted 110 to 183 mails a second where Postfix, on the same disk, accepted 337 to 503, and held 51 to 120 a
     * second; docs/bench.md "Durable intake"). On connections of their own the sends and commits reach KahaDB
     * together, and its journal writes whatever waits in one batch followed by one sync: each mail is still written
     * and synced before its 250, and each processed mail's removal before the spool lets it go.</p>
     */
    static final class Queue extends ActiveMQCacheableMailQueue {
        /** Idle senders kept for the next enqueues; more are opened when more enqueue at once. */
        private static final int IDLE_SENDERS = 32;
        /** Dequeue loops of the spool, each on a connection and a thread of its own (James's spool runs 8 threads). */
        static final int SPOOL_CONSUMERS = 4;

        private final OneDequeueThreadQueues factory;
        private final ExecutorService dequeueExecutor;
        private final Scheduler dequeueThread;
        private volatile boolean disposing;
        private final DequeueGate gate;
        private final BlockingQueue<Sender> senders = new ArrayBlockingQueue<>(IDLE_SENDERS);
        private final List<Queue> consumers = new CopyOnWriteArrayList<>();

        Queue(OneDequeueThreadQueues factory, MailQueueName name) {
            super(factory.connectionFactory, factory.mailQueueItemDecoratorFactory, name, true, factory.metricFactory,
                factory.gaugeRegistry);
            this.factory = factory;
            this.dequeueExecutor = Executors.newSingleThreadExecutor(task -> {
                Thread thread = new Thread(task, "activemq-dequeue-" + name.asString());
                thread.setDaemon(true);
                return thread;
            });
            this.dequeueThread = Schedulers.fromExecutorService(dequeueExecutor);
            this.gate = factory.gate;
        }

        /**
         * As James's queue sends it (a blob message: the mail's bytes go to the broker's blob-transfer folder, its
         * envelope and attributes in the message's properties; persistent, at the mail's priority), on a connection
         * that no other enqueue uses meanwhile.
         */
        @Override
        protected void produceMail(Map<String, Object> properties, int priority, Mail mail)
                throws JMSException, MessagingException, IOException {
            Sender sender = senders.poll();
            if (sender == null) {
                sender = new Sender(factory.connectionFactory, queue);
            }
            boolean reusable = false;
            try {
                BlobMessage message = sender.session.createBlobMessage(new MimeMessageInputStream(mail.getMessage()));
                try {
                    for (Map.Entry<String, Object> property : properties.entrySet()) {
                        message.setObjectProperty(property.getKey(), property.getValue());
                    }
                    sender.producer.send(message, DeliveryMode.PERSISTENT, priority, Message.DEFAULT_TIME_TO_LIVE);
                    reusable = true;
                } catch (JMSException e) {
                    if (message instanceof ActiveMQBlobMessage) {
                        ((ActiveMQBlobMessage) message).deleteFile(); // not queued: its uploaded bytes are garbage
                    }
                    throw e;
                }
            } finally {
                if (!reusable || !senders.offer(sender)) {
                    sender.close();
                }
            }
        }

        /**
         * The broker's own count of the queue's messages (sent and not yet acknowledged), the figure James's
         * {@code getSize} asks the broker's statistics plugin for, read from the broker's destination instead of over
         * a temporary queue, a producer and a consumer opened for each question: SMTP's in-flow delay asks for the
         * spool's size up to 20 times a second while it paces intake ({@code InFlowDelayHook}).
         */
        @Override
        public long getSize() throws MailQueueException {
            try {
                return factory.store.getBrokerService().getDestination(new ActiveMQQueue(getName().asString()))
                    .getDestinationStatistics().getMessages().getCount();
            } catch (Exception e) {
                throw new MailQueueException("Unable to count the mails of " + getName().asString(), e);
            }
        }

        /** James's browse, without failing on a mail that leaves the queue meanwhile ({@link BrowsedMails}). */
        @Override
        public MailQueueIterator browse() throws MailQueueException {
            return new BrowsedMails(super.browse());
        }

        /** James's dequeue loop on this queue's thread; the spool's merged with those of more connections. */
        @Override
        public Flux<MailQueueItem> deQueue() {
            if (!getName().equals(MailQueueFactory.SPOOL)) {
                return ownDeQueue();
            }
            List<Flux<MailQueueItem>> loops = new ArrayList<>(List.of(ownDeQueue()));
            for (int i = 1; i < SPOOL_CONSUMERS; i++) {
                Queue consumer = new Queue(factory, getName());
                consumers.add(consumer);
                loops.add(consumer.ownDeQueue());
            }
            return Flux.merge(loops);
        }

        private Flux<MailQueueItem> ownDeQueue() {
            // The gate opens on the thread that initialises James: the loop starts on the queue's own thread.
            return gate.opened().publishOn(dequeueThread).thenMany(super.deQueue()).subscribeOn(dequeueThread)
                .onErrorResume(error -> disposing ? Flux.empty() : Flux.error(error));
        }

        /**
         * The loops first: their threads are interrupted and awaited while the connections are still open, then the
         * connections closed. James's loop blocks in a receive of up to ten seconds; closing its connection meanwhile
         * made James roll back a closed session and its spool log the loop's end, each as an ERROR with its stack
         * trace, at every clean stop (eleven on one stop of the persistent server, ActiveMQRestartTest). The
         * interrupted receive's error is the loop's end here, not news: it is not passed on.
         */
        @Override
        public void dispose() {
            List<Queue> all = new ArrayList<>(List.of(this));
            all.addAll(consumers);
            all.forEach(Queue::interruptLoop);
            all.forEach(Queue::awaitLoop);
            super.dispose();
            consumers.forEach(Queue::dispose);
            for (Sender sender = senders.poll(); sender != null; sender = senders.poll()) {
                sender.close();
            }
        }

        private void interruptLoop() {
            disposing = true;
            dequeueExecutor.shutdownNow();
        }

        private void awaitLoop() {
            try {
                if (!dequeueExecutor.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOGGER.warn("The dequeue loop of {} did not end within 5 s", getName().asString());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            dequeueThread.dispose();
        }
    }

    /** A connection of its own, its session and its producer on one queue. */
    private static final class Sender {
        final Connection connection;
        final ActiveMQSession session;
        final MessageProducer producer;

        Sender(ConnectionFactory connections, Destination queue) throws JMSException {
            this.connection = connections.createConnection();
            try {
                this.session = (ActiveMQSession) connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
                this.producer = session.createProducer(queue);
            } catch (JMSException e) {
                connection.close();
                throw e;
            }
        }

        void close() {
            try {
                connection.close();
            } catch (JMSException e) {
                // closing a connection that failed: nothing left to release
            }
        }
    }
}
