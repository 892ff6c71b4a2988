package org.jamesetrn.release.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeUtils;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.Release;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.collect.ConcurrentHashMultiset;
import com.google.common.collect.Multiset;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Thousands of deferred mails; releases for overlapping nodes from many threads; a consumer playing RemoteDelivery
 * against a flapping MX (fails two attempts in three: re-enqueue deferred, as DeliveryRunnable does); admin flushes
 * meanwhile. Then the MX comes up for good and everything is delivered: each mail exactly once.
 */
final class ReleaseStress {
    private static final Logger LOGGER = LoggerFactory.getLogger(ReleaseStress.class);
    private static final int DOMAINS = 10;
    private static final int RELEASING_THREADS = 6;
    private static final int RELEASES_PER_THREAD = 40;

    private final QueueReleaseContract contract;
    private final ManageableMailQueue queue;
    private final int mails;
    private final boolean withFlush;
    private final Multiset<String> delivered = ConcurrentHashMultiset.create();
    private final AtomicBoolean mxUp = new AtomicBoolean(false);
    private final AtomicInteger failedAttempts = new AtomicInteger();
    private final AtomicInteger releasesDone = new AtomicInteger();
    private final Queue<Release> releases = new ConcurrentLinkedQueue<>();
    private final AtomicInteger consumerErrors = new AtomicInteger();

    ReleaseStress(QueueReleaseContract contract, int mails, boolean withFlush) {
        this.contract = contract;
        this.withFlush = withFlush;
        this.queue = contract.outgoing;
        this.mails = mails;
    }

    void run() throws Exception {
        Set<String> names = enqueueDeferred();
        Disposable consumer = Flux.from(queue.deQueue())
            .subscribeOn(Schedulers.boundedElastic())
            .subscribe(this::deliver, e -> LOGGER.error("consumer stopped", e));
        ExecutorService threads = Executors.newFixedThreadPool(RELEASING_THREADS + 1);
        try {
            List<Future<?>> tasks = new ArrayList<>();
            for (int i = 0; i < RELEASING_THREADS; i++) {
                tasks.add(threads.submit(this::releaseRepeatedly));
            }
            if (withFlush) {
                tasks.add(threads.submit(this::flushWhileReleasing));
            }
            for (Future<?> task : tasks) {
                task.get(90, TimeUnit.SECONDS);
            }
            for (Release release : releases) {
                release.dispatched().exceptionally(failure -> 0L).get(30, TimeUnit.SECONDS);
            }

            mxUp.set(true);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                if (delivered.size() < mails) {
                    queue.flush(); // what is still deferred after the last failed attempts
                }
                return delivered.size() >= mails;
            });
            AtomicInteger lastSize = new AtomicInteger(-1);
            // Settled: a duplicate still on its way would show up here.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
                .until(() -> delivered.size() == lastSize.getAndSet(delivered.size()));
        } finally {
            threads.shutdownNow();
            consumer.dispose();
        }

        LOGGER.info("stress: {} mails, {} releases, {} failed attempts", mails, releasesDone.get(), failedAttempts.get());
        assertThat(delivered.elementSet()).isEqualTo(names);
        assertThat(delivered.entrySet().stream().filter(entry -> entry.getCount() > 1).map(Multiset.Entry::getElement))
            .describedAs("duplicated mails").isEmpty();
        assertThat(failedAttempts.get()).describedAs("the MX really flapped").isPositive();
        assertThat(consumerErrors.get()).isZero();
        assertThat(QueueContents.of(queue).names()).isEmpty();
    }

    private Set<String> enqueueDeferred() throws Exception {
        for (int i = 0; i < mails; i++) {
            String domain = (i % 3 == 0 ? "s." : "") + "d" + (i % DOMAINS) + ".test";
            String[] recipients = i % 7 == 0
                ? new String[] {"u" + i + "@" + domain, "v" + i + "@d" + ((i + 1) % DOMAINS) + ".test"}
                : new String[] {"u" + i + "@" + domain};
            queue.enQueue(TestMails.deferredMail("mail-" + i, 1, recipients), QueueReleaseContract.DEFERRED);
        }
        return IntStream.range(0, mails).mapToObj(i -> "mail-" + i).collect(Collectors.toSet());
    }

    private void deliver(MailQueue.MailQueueItem item) {
        try {
            Mail mail = item.getMail();
            if (mxUp.get() || ThreadLocalRandom.current().nextInt(3) == 0) {
                delivered.add(mail.getName());
            } else {
                failedAttempts.incrementAndGet();
                int retries = AttributeUtils.getValueAndCastFromMail(mail, ReleaseMarks.DELIVERY_RETRY_COUNT, Integer.class)
                    .orElse(0);
                mail.setAttribute(new Attribute(ReleaseMarks.DELIVERY_RETRY_COUNT, AttributeValue.of(retries + 1)));
                queue.enQueue(mail, QueueReleaseContract.DEFERRED);
            }
            item.done(MailQueue.MailQueueItem.CompletionStatus.SUCCESS);
            LifecycleUtil.dispose(mail);
        } catch (Exception e) {
            consumerErrors.incrementAndGet();
            LOGGER.error("consumer failed", e);
        }
    }

    private Void releaseRepeatedly() throws Exception {
        for (int i = 0; i < RELEASES_PER_THREAD; i++) {
            Release release = contract.release.release(randomNode());
            releases.add(release);
            release.counted().get(30, TimeUnit.SECONDS);
            releasesDone.incrementAndGet();
        }
        return null;
    }

    private Node randomNode() {
        int domain = ThreadLocalRandom.current().nextInt(DOMAINS);
        switch (ThreadLocalRandom.current().nextInt(4)) {
            case 0:
                return Node.domain("d" + domain + ".test");
            case 1:
                return Node.domainAndSubdomains("d" + domain + ".test");
            case 2:
                return Node.domain("s.d" + domain + ".test");
            default:
                return Node.queue(queue.getName().asString());
        }
    }

    private Void flushWhileReleasing() throws Exception {
        int total = RELEASING_THREADS * RELEASES_PER_THREAD;
        for (int quarter = 1; quarter <= 3; quarter++) {
            int threshold = total * quarter / 4;
            await().atMost(Duration.ofSeconds(60)).until(() -> releasesDone.get() >= threshold);
            queue.flush();
        }
        return null;
    }
}
