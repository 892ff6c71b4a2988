package org.jamesetrn.server;

import javax.inject.Inject;

import org.apache.james.metrics.api.GaugeRegistry;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.queue.activemq.ActiveMQCacheableMailQueue;
import org.apache.james.queue.activemq.ActiveMQMailQueueFactory;
import org.apache.james.queue.activemq.EmbeddedActiveMQ;
import org.apache.james.queue.activemq.metric.ActiveMQMetricCollector;
import org.apache.james.queue.api.MailQueueItemDecoratorFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;

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
    private final ActiveMQMetricCollector metricCollector;
    private final DequeueGate gate;

    @Inject
    public OneDequeueThreadQueues(EmbeddedActiveMQ broker, MailQueueItemDecoratorFactory decorators, MetricFactory metrics,
                                  GaugeRegistry gauges, ActiveMQMetricCollector metricCollector, DequeueGate gate) {
        super(broker, decorators, metrics, gauges, metricCollector);
        this.metricCollector = metricCollector;
        this.gate = gate;
    }

    @Override
    protected ManageableMailQueue createCacheableMailQueue(MailQueueName name) {
        metricCollector.collectQueueStatistics(name);
        return new Queue(this, name);
    }

    /** James's ActiveMQ queue (blob messages, as the factory's default), its dequeue loop on one thread. */
    static final class Queue extends ActiveMQCacheableMailQueue {
        private final Scheduler dequeueThread;
        private final DequeueGate gate;

        Queue(OneDequeueThreadQueues factory, MailQueueName name) {
            super(factory.connectionFactory, factory.mailQueueItemDecoratorFactory, name, true, factory.metricFactory,
                factory.gaugeRegistry);
            this.dequeueThread = Schedulers.newSingle("activemq-dequeue-" + name.asString());
            this.gate = factory.gate;
        }

        @Override
        public Flux<MailQueueItem> deQueue() {
            // The gate opens on the thread that initialises James: the loop starts on the queue's own thread.
            return gate.opened().publishOn(dequeueThread).thenMany(super.deQueue()).subscribeOn(dequeueThread);
        }

        @Override
        public void dispose() {
            super.dispose();
            dequeueThread.dispose();
        }
    }
}
