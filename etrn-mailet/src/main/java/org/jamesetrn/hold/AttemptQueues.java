package org.jamesetrn.hold;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.mailet.Mail;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * James's mail queues as {@link HoldDelivery}'s RemoteDelivery sees them (James lets a RemoteDelivery be given its
 * queue factory): the same queues, but each mail taken out is first admitted (a held copy whose attempt ended already
 * is dropped, one whose claim cannot be checked now is checked again every {@value #WAIT_SECONDS} s, holding its
 * place), and RemoteDelivery's {@code done} after its attempt tells HoldDelivery the attempt is over: every report of
 * it has been sent by then, in the same thread.
 */
final class AttemptQueues implements MailQueueFactory<MailQueue> {
    static final int WAIT_SECONDS = 2;
    /** Admissions at once: each may read the claims' store. */
    private static final int ADMITTING = 16;
    private static final Logger LOGGER = LoggerFactory.getLogger(AttemptQueues.class);

    private final MailQueueFactory<?> queues;
    private HoldDelivery delivery;

    AttemptQueues(MailQueueFactory<?> queues) {
        this.queues = queues;
    }

    void attach(HoldDelivery delivery) {
        this.delivery = delivery;
    }

    @Override
    public Optional<MailQueue> getQueue(MailQueueName name, PrefetchCount count) {
        return queues.getQueue(name, count).map(Attempts::new);
    }

    @Override
    public MailQueue createQueue(MailQueueName name, PrefetchCount count) {
        return new Attempts(queues.createQueue(name, count));
    }

    @Override
    public Set<MailQueueName> listCreatedMailQueues() {
        return queues.listCreatedMailQueues();
    }

    private final class Attempts implements MailQueue {
        private final MailQueue queue;

        Attempts(MailQueue queue) {
            this.queue = queue;
        }

        @Override
        public MailQueueName getName() {
            return queue.getName();
        }

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
            return Flux.from(queue.deQueue())
                .flatMap(item -> admit(item).subscribeOn(Schedulers.boundedElastic()), ADMITTING);
        }

        private Mono<MailQueueItem> admit(MailQueueItem item) {
            return Mono.fromCallable(() -> delivery.dequeued(item.getMail()))
                .flatMap(admission -> {
                    switch (admission) {
                        case GO:
                            return Mono.<MailQueueItem>just(new Attempt(item));
                        case WAIT:
                            return Mono.delay(Duration.ofSeconds(WAIT_SECONDS)).then(Mono.defer(() -> admit(item)));
                        case DROP:
                        default:
                            return Mono.fromRunnable(() -> done(item, MailQueueItem.CompletionStatus.SUCCESS)).then(Mono.empty());
                    }
                });
        }

        @Override
        public void close() throws IOException {
            queue.close();
        }
    }

    private static void done(MailQueue.MailQueueItem item, MailQueue.MailQueueItem.CompletionStatus status) {
        try {
            item.done(status);
        } catch (MailQueue.MailQueueException e) {
            LOGGER.error("Could not acknowledge {} in its queue", item.getMail().getName(), e);
        }
    }

    /** One mail in RemoteDelivery's hands. */
    private final class Attempt implements MailQueue.MailQueueItem {
        private final MailQueue.MailQueueItem item;

        Attempt(MailQueue.MailQueueItem item) {
            this.item = item;
        }

        @Override
        public Mail getMail() {
            return item.getMail();
        }

        @Override
        public void done(CompletionStatus status) throws MailQueue.MailQueueException {
            try {
                if (status == CompletionStatus.SUCCESS) {
                    delivery.attempted(item.getMail());
                } else {
                    delivery.retried(item.getMail());
                }
            } catch (RuntimeException e) {
                LOGGER.error("Recording the attempt of {} failed", item.getMail().getName(), e);
            }
            item.done(status);
        }
    }
}
