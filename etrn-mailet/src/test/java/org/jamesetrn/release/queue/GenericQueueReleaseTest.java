package org.jamesetrn.release.queue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.api.RawMailQueueItemDecoratorFactory;
import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.apache.mailet.Mail;
import org.reactivestreams.Publisher;

/**
 * The generic path (public ManageableMailQueue API only), exercised on memory queues hidden behind a forwarding
 * class so the engine does not recognise them.
 */
class GenericQueueReleaseTest extends QueueReleaseContract {
    private MemoryMailQueueFactory memory;

    @Override
    MailQueueFactory<? extends ManageableMailQueue> createFactory(RecordingMetricFactory metrics) {
        memory = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
        return new HidingFactory(memory);
    }

    @Override
    void closeFactory() {
        memory.clean();
    }

    @Override
    int stressMails() {
        return 1000;
    }

    /**
     * The memory queue breaks the generic path's assumption when an admin flush runs (its remove reports matched,
     * not removed, mails): the memory queue has its own path for that reason. Stress the generic path without flush.
     */
    @Override
    boolean stressWithFlush() {
        return false;
    }

    static final class HidingFactory extends ForwardingFactory {
        private final Map<MailQueueName, ManageableMailQueue> hidden = new ConcurrentHashMap<>();

        HidingFactory(MailQueueFactory<? extends ManageableMailQueue> delegate) {
            super(delegate);
        }

        @Override
        public Optional<ManageableMailQueue> getQueue(MailQueueName name, PrefetchCount count) {
            return super.getQueue(name, count).map(this::hide);
        }

        @Override
        public ManageableMailQueue createQueue(MailQueueName name, PrefetchCount count) {
            return hide(super.createQueue(name, count));
        }

        private ManageableMailQueue hide(ManageableMailQueue queue) {
            return hidden.computeIfAbsent(queue.getName(), name -> new ForwardingQueue(queue));
        }
    }

    static final class ForwardingQueue implements ManageableMailQueue {
        private final ManageableMailQueue delegate;

        ForwardingQueue(ManageableMailQueue delegate) {
            this.delegate = delegate;
        }

        @Override
        public MailQueueName getName() {
            return delegate.getName();
        }

        @Override
        public void enQueue(Mail mail, Duration delay) throws MailQueueException {
            delegate.enQueue(mail, delay);
        }

        @Override
        public void enQueue(Mail mail) throws MailQueueException {
            delegate.enQueue(mail);
        }

        @Override
        public Publisher<Void> enqueueReactive(Mail mail) {
            return delegate.enqueueReactive(mail);
        }

        @Override
        public Publisher<MailQueueItem> deQueue() {
            return delegate.deQueue();
        }

        @Override
        public void close() {
            // the delegate's references belong to its factory
        }

        @Override
        public long getSize() throws MailQueueException {
            return delegate.getSize();
        }

        @Override
        public long flush() throws MailQueueException {
            return delegate.flush();
        }

        @Override
        public long clear() throws MailQueueException {
            return delegate.clear();
        }

        @Override
        public long remove(Type type, String value) throws MailQueueException {
            return delegate.remove(type, value);
        }

        @Override
        public MailQueueIterator browse() throws MailQueueException {
            return delegate.browse();
        }
    }
}
