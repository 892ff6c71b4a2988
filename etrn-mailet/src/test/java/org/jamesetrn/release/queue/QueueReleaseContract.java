package org.jamesetrn.release.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.jamesetrn.release.queue.TestMails.deferredMail;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.queue.api.MailPrioritySupport;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeUtils;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.DeferredMailSource;
import org.jamesetrn.release.ProbeOutcomes;
import org.jamesetrn.release.Release;
import org.jamesetrn.release.ReleaseConfiguration;
import org.jamesetrn.release.ReleaseEngine;
import org.jamesetrn.release.ReleaseException;
import org.jamesetrn.release.UnknownQueueException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** What every release path guarantees, run on each queue implementation by a subclass. */
abstract class QueueReleaseContract {
    static final Duration DEFERRED = Duration.ofHours(1);
    private static final AtomicInteger QUEUE_NAMES = new AtomicInteger();

    protected RecordingMetricFactory metrics;
    protected MailQueueFactory<? extends ManageableMailQueue> factory;
    protected ManageableMailQueue outgoing;
    protected ManageableMailQueue smarthost;
    protected ManageableMailQueue spool;
    protected ReleaseEngine release;
    protected ProbeOutcomes probes = new ProbeOutcomes();

    /** A fresh factory on the implementation under test. */
    abstract MailQueueFactory<? extends ManageableMailQueue> createFactory(RecordingMetricFactory metrics) throws Exception;

    abstract void closeFactory() throws Exception;

    /** Deferred mails in the stress test: as many as the implementation handles in a few seconds. */
    abstract int stressMails();

    /** Whether the stress test runs admin flushes too. */
    boolean stressWithFlush() {
        return true;
    }

    @BeforeEach
    void setUpQueues() throws Exception {
        metrics = new RecordingMetricFactory();
        factory = createFactory(metrics);
        int unique = QUEUE_NAMES.incrementAndGet();
        outgoing = factory.createQueue(MailQueueName.of("outgoing" + unique));
        smarthost = factory.createQueue(MailQueueName.of("outgoing-smarthost" + unique));
        spool = factory.createQueue(MailQueueName.of("spool" + unique));
        release = engine(factory);
    }

    /** The broker of JMS queues, as James's ConnectionFactory binding gives it to the engine. */
    Optional<JmsBackend> jmsBackend() {
        return Optional.empty();
    }

    ReleaseEngine engine(MailQueueFactory<? extends ManageableMailQueue> queues) {
        return new ReleaseEngine(ImmutableSet.of(queueSources(queues)), probes, metrics, configuration());
    }

    private ReleaseConfiguration configuration() {
        return ReleaseConfiguration.builder()
            .queues(ImmutableList.of(outgoing.getName(), smarthost.getName()))
            .build();
    }

    QueueSources queueSources(MailQueueFactory<? extends ManageableMailQueue> queues) {
        QueueSources sources = new QueueSources(queues, configuration(), jmsBackend());
        sources.prepare();
        return sources;
    }

    @AfterEach
    void tearDown() throws Exception {
        release.close();
        closeFactory();
    }

    long releaseAndWait(Node node) throws Exception {
        Release started = release.release(node);
        long count = started.counted().get(30, TimeUnit.SECONDS);
        started.dispatched().get(30, TimeUnit.SECONDS);
        return count;
    }

    void defer(ManageableMailQueue queue, Mail mail) throws Exception {
        queue.enQueue(mail, DEFERRED);
    }

    @Test
    void domainNodeReleasesExactlyThatDomain() throws Exception {
        defer(outgoing, deferredMail("exact", 1, "a@customer.test"));
        defer(outgoing, deferredMail("sub", 1, "a@sub.customer.test"));
        defer(outgoing, deferredMail("other", 1, "a@other.test"));
        defer(outgoing, deferredMail("suffix", 1, "a@notcustomer.test"));

        assertThat(releaseAndWait(Node.domain("customer.test"))).isEqualTo(1);

        QueueContents contents = QueueContents.of(outgoing);
        assertThat(contents.due()).containsExactly("exact");
        assertThat(contents.deferred()).containsExactlyInAnyOrder("sub", "other", "suffix");
    }

    @Test
    void domainAndSubdomainsNodeReleasesSubdomainsToo() throws Exception {
        defer(outgoing, deferredMail("exact", 1, "a@customer.test"));
        defer(outgoing, deferredMail("sub", 1, "a@sub.customer.test"));
        defer(outgoing, deferredMail("deep", 1, "a@x.y.customer.test"));
        defer(outgoing, deferredMail("suffix", 1, "a@notcustomer.test"));
        defer(outgoing, deferredMail("other", 1, "a@other.test"));

        assertThat(releaseAndWait(Node.domainAndSubdomains("customer.test"))).isEqualTo(3);

        QueueContents contents = QueueContents.of(outgoing);
        assertThat(contents.due()).containsExactlyInAnyOrder("exact", "sub", "deep");
        assertThat(contents.deferred()).containsExactlyInAnyOrder("suffix", "other");
    }

    @Test
    void domainNodeLooksInEveryConfiguredQueueAndNoOther() throws Exception {
        defer(outgoing, deferredMail("direct", 1, "a@customer.test"));
        defer(smarthost, deferredMail("gateway", 1, "b@customer.test"));
        defer(spool, deferredMail("spooled", 1, "c@customer.test"));

        assertThat(releaseAndWait(Node.domain("customer.test"))).isEqualTo(2);

        assertThat(QueueContents.of(outgoing).due()).containsExactly("direct");
        assertThat(QueueContents.of(smarthost).due()).containsExactly("gateway");
        assertThat(QueueContents.of(spool).deferred()).containsExactly("spooled");
    }

    @Test
    void gatewayMailCarryingSeveralDomainsIsReleasedWhenAnyRecipientIsCovered() throws Exception {
        defer(smarthost, deferredMail("both", 1, "a@other.test", "b@customer.test"));

        assertThat(releaseAndWait(Node.domain("customer.test"))).isEqualTo(1);

        Mail released = QueueContents.of(smarthost).mail("both");
        assertThat(QueueContents.of(smarthost).due()).containsExactly("both");
        assertThat(released.getRecipients()).extracting(Object::toString).containsExactly("a@other.test", "b@customer.test");
    }

    @Test
    void queueNodeReleasesEveryDeferredMailOfThatQueueOnly() throws Exception {
        defer(outgoing, deferredMail("one", 1, "a@customer.test"));
        defer(outgoing, deferredMail("two", 1, "a@other.test"));
        defer(smarthost, deferredMail("three", 1, "a@customer.test"));

        assertThat(releaseAndWait(Node.queue(outgoing.getName().asString()))).isEqualTo(2);

        assertThat(QueueContents.of(outgoing).due()).containsExactlyInAnyOrder("one", "two");
        assertThat(QueueContents.of(smarthost).deferred()).containsExactly("three");
    }

    /**
     * A selection is abandoned when another source sent the probe, or when nothing it took was the node's: again and
     * again while a site stays down. The mail stays as it was, however often (on ActiveMQ a rolled-back consumption
     * counts as a redelivery, and past the connection's redelivery limit the broker moves the message to its
     * dead-letter queue, out of James's reach).
     */
    @Test
    void selectionAbandonedAgainAndAgainLeavesTheMailAsItWas() throws Exception {
        defer(outgoing, deferredMail("kept", 2, "a@customer.test"));
        QueueSources sources = queueSources(factory);

        for (int i = 0; i < 12; i++) {
            for (DeferredMailSource source : sources.sourcesFor(Node.domain("customer.test"))) {
                source.select(Node.domain("customer.test")).abandon();
            }
        }

        QueueContents contents = QueueContents.of(outgoing);
        assertThat(contents.deferred()).containsExactly("kept");
        assertThat(AttributeUtils.getValueAndCastFromMail(contents.mail("kept"), ReleaseMarks.DELIVERY_RETRY_COUNT, Integer.class))
            .contains(2);
        assertThat(releaseAndWait(Node.domain("customer.test"))).isEqualTo(1);
        assertThat(QueueContents.of(outgoing).due()).containsExactly("kept");
    }

    @Test
    void queueNodeOfAQueueNotConfiguredIsRefusedAndUntouched() throws Exception {
        defer(spool, deferredMail("spooled", 1, "a@customer.test"));

        assertThatThrownBy(() -> release.release(Node.queue(spool.getName().asString())).counted().get())
            .hasCauseInstanceOf(UnknownQueueException.class);
        assertThatThrownBy(() -> release.release(Node.queue("no-such-queue")).counted().get())
            .hasCauseInstanceOf(UnknownQueueException.class);
        assertThat(QueueContents.of(spool).deferred()).containsExactly("spooled");
    }

    @Test
    void mailThatIsNotDeferredIsNeitherCountedNorMoved() throws Exception {
        outgoing.enQueue(deferredMail("due", 0, "a@customer.test"));
        defer(outgoing, deferredMail("deferred", 1, "b@customer.test"));

        assertThat(releaseAndWait(Node.domain("customer.test"))).isEqualTo(1);

        QueueContents contents = QueueContents.of(outgoing);
        assertThat(contents.names()).containsExactlyInAnyOrder("due", "deferred");
        assertThat(contents.due()).containsExactlyInAnyOrder("due", "deferred");
    }

    @Test
    void nodeWithoutDeferredMailCountsZero() throws Exception {
        defer(outgoing, deferredMail("other", 1, "a@other.test"));

        assertThat(releaseAndWait(Node.domain("customer.test"))).isZero();
        assertThat(QueueContents.of(outgoing).deferred()).containsExactly("other");
    }

    @Test
    void releasedMailHasHighPriorityAndOneRetryGivenBackAndIsOtherwiseUnchanged() throws Exception {
        Mail original = deferredMail("kept", 3, "a@customer.test", "b@customer.test");
        defer(outgoing, original);

        releaseAndWait(Node.domain("customer.test"));

        Mail released = QueueContents.of(outgoing).mail("kept");
        assertThat(released.getAttribute(MailPrioritySupport.MAIL_PRIORITY))
            .contains(MailPrioritySupport.HIGH_PRIORITY_ATTRIBUTE);
        assertThat(released.getAttribute(ReleaseMarks.DELIVERY_RETRY_COUNT))
            .contains(new Attribute(ReleaseMarks.DELIVERY_RETRY_COUNT, AttributeValue.of(2)));
        assertThat(released.getAttribute(TestMails.CUSTOM)).isEqualTo(original.getAttribute(TestMails.CUSTOM));
        assertThat(released.getName()).isEqualTo("kept");
        assertThat(released.getState()).isEqualTo(Mail.ERROR);
        assertThat(released.getMaybeSender()).isEqualTo(original.getMaybeSender());
        assertThat(released.getRecipients()).containsExactlyElementsOf(original.getRecipients());
        assertThat(released.getMessage().getMessageID()).isEqualTo("<kept@relay.local>");
        assertThat(released.getMessage().getHeader("X-Etrn-Test")).containsExactly("kept");
        assertThat(new String(released.getMessage().getInputStream().readAllBytes()).trim()).isEqualTo("body of kept");
    }

    @Test
    void retryCountNeverGoesBelowZero() throws Exception {
        defer(outgoing, deferredMail("zero", 0, "a@customer.test"));

        releaseAndWait(Node.domain("customer.test"));

        assertThat(QueueContents.of(outgoing).mail("zero").getAttribute(ReleaseMarks.DELIVERY_RETRY_COUNT))
            .contains(new Attribute(ReleaseMarks.DELIVERY_RETRY_COUNT, AttributeValue.of(0)));
    }

    @Test
    void mailNotReleasedIsNotTouched() throws Exception {
        defer(outgoing, deferredMail("other", 4, "a@other.test"));

        releaseAndWait(Node.domain("customer.test"));

        Mail untouched = QueueContents.of(outgoing).mail("other");
        assertThat(untouched.getAttribute(ReleaseMarks.DELIVERY_RETRY_COUNT))
            .contains(new Attribute(ReleaseMarks.DELIVERY_RETRY_COUNT, AttributeValue.of(4)));
        assertThat(untouched.getAttribute(MailPrioritySupport.MAIL_PRIORITY)).isEmpty();
    }

    @Test
    void secondReleaseOfTheSameNodeFindsNothingLeft() throws Exception {
        defer(outgoing, deferredMail("once", 2, "a@customer.test"));

        assertThat(releaseAndWait(Node.domain("customer.test"))).isEqualTo(1);
        assertThat(releaseAndWait(Node.domainAndSubdomains("customer.test"))).isZero();

        assertThat(QueueContents.of(outgoing).names()).containsExactly("once");
        assertThat(QueueContents.of(outgoing).mail("once").getAttribute(ReleaseMarks.DELIVERY_RETRY_COUNT))
            .contains(new Attribute(ReleaseMarks.DELIVERY_RETRY_COUNT, AttributeValue.of(1)));
    }

    @Test
    void concurrentRequestForARunningNodeJoinsIt() throws Exception {
        defer(outgoing, deferredMail("joined", 1, "a@customer.test"));
        CountDownLatch lookupStarted = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        release.close();
        release = engine(new SlowFactory(factory, lookupStarted, proceed));

        Release first = release.release(Node.domain("customer.test"));
        assertThat(lookupStarted.await(10, TimeUnit.SECONDS)).isTrue();
        Release second = release.release(Node.domain("customer.test"));
        proceed.countDown();

        assertThat(first.counted().get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(second.counted().get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(first.dispatched().get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(metrics.countFor(ReleaseEngine.RELEASES_METRIC)).isEqualTo(1);
        assertThat(QueueContents.of(outgoing).names()).containsExactly("joined");
    }

    @Test
    void queueFailureFailsTheReleaseAndMovesNothing() throws Exception {
        defer(outgoing, deferredMail("safe", 1, "a@customer.test"));
        release.close();
        release = engine(new BrokenFactory(factory, outgoing.getName()));

        Release failed = release.release(Node.domain("customer.test"));
        assertThatThrownBy(() -> failed.counted().get(10, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(ReleaseException.class)
            .cause().isNotInstanceOf(UnknownQueueException.class);
        assertThatThrownBy(() -> failed.dispatched().get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        assertThat(QueueContents.of(outgoing).deferred()).containsExactly("safe");
        assertThat(metrics.countFor(ReleaseEngine.FAILURES_METRIC)).isEqualTo(1);
    }

    @Test
    void aThousandReleasesWhileTheSiteIsDownNeitherBounceNorSpendTheRetryBudget() throws Exception {
        int maxRetries = 5; // conf/mailetcontainer.xml: RemoteDelivery bounces when the count reaches it
        defer(outgoing, deferredMail("kept", 3, "a@customer.test"));
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger bounces = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        // RemoteDelivery against a site that is down: DeliveryRunnable's temporary failure, count c -> c+1, deferred.
        Disposable remoteDelivery = Flux.from(outgoing.deQueue())
            .subscribeOn(Schedulers.boundedElastic())
            .subscribe(item -> {
                try {
                    Mail mail = item.getMail();
                    int retries = AttributeUtils.getValueAndCastFromMail(mail, ReleaseMarks.DELIVERY_RETRY_COUNT, Integer.class)
                        .orElse(0) + 1;
                    if (retries >= maxRetries) {
                        bounces.incrementAndGet();
                    } else {
                        mail.setAttribute(new Attribute(ReleaseMarks.DELIVERY_RETRY_COUNT, AttributeValue.of(retries)));
                        outgoing.enQueue(mail, DEFERRED);
                    }
                    item.done(MailQueue.MailQueueItem.CompletionStatus.SUCCESS);
                    LifecycleUtil.dispose(mail);
                    attempts.incrementAndGet();
                } catch (Exception e) {
                    errors.incrementAndGet();
                }
            });
        try {
            for (int etrn = 1; etrn <= retryBudgetReleases(); etrn++) {
                assertThat(releaseAndWait(Node.domain("customer.test"))).isEqualTo(1);
                int attempted = etrn;
                await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(30))
                    .until(() -> attempts.get() == attempted && QueueContents.of(outgoing).deferred().contains("kept"));
            }
        } finally {
            remoteDelivery.dispose();
        }

        assertThat(bounces.get()).isZero();
        assertThat(errors.get()).isZero();
        QueueContents contents = QueueContents.of(outgoing);
        assertThat(contents.names()).containsExactly("kept");
        assertThat(contents.mail("kept").getAttribute(ReleaseMarks.DELIVERY_RETRY_COUNT))
            .contains(new Attribute(ReleaseMarks.DELIVERY_RETRY_COUNT, AttributeValue.of(3)));
    }

    /** ETRNs against a site that stays down, in the retry-budget test. */
    int retryBudgetReleases() {
        return 1_000;
    }

    @Test
    void stressConcurrentReleasesDeliveriesAndFlushesLoseAndDuplicateNothing() throws Exception {
        new ReleaseStress(this, stressMails(), stressWithFlush()).run();
    }

    /** Its queue lookups wait until told to proceed: a release caught in its selection. */
    static final class SlowFactory extends ForwardingFactory {
        private final CountDownLatch started;
        private final CountDownLatch proceed;

        SlowFactory(MailQueueFactory<? extends ManageableMailQueue> delegate, CountDownLatch started, CountDownLatch proceed) {
            super(delegate);
            this.started = started;
            this.proceed = proceed;
        }

        @Override
        public Optional<ManageableMailQueue> getQueue(MailQueueName name, PrefetchCount count) {
            started.countDown();
            try {
                proceed.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return super.getQueue(name, count);
        }
    }

    /** A backend that fails for one queue. */
    static final class BrokenFactory extends ForwardingFactory {
        private final MailQueueName broken;

        BrokenFactory(MailQueueFactory<? extends ManageableMailQueue> delegate, MailQueueName broken) {
            super(delegate);
            this.broken = broken;
        }

        @Override
        public Optional<ManageableMailQueue> getQueue(MailQueueName name, PrefetchCount count) {
            if (name.equals(broken)) {
                throw new IllegalStateException("simulated broker outage");
            }
            return super.getQueue(name, count);
        }
    }

    static class ForwardingFactory implements MailQueueFactory<ManageableMailQueue> {
        private final MailQueueFactory<? extends ManageableMailQueue> delegate;

        ForwardingFactory(MailQueueFactory<? extends ManageableMailQueue> delegate) {
            this.delegate = delegate;
        }

        @Override
        public Optional<ManageableMailQueue> getQueue(MailQueueName name, PrefetchCount count) {
            return delegate.getQueue(name, count).map(queue -> queue);
        }

        @Override
        public ManageableMailQueue createQueue(MailQueueName name, PrefetchCount count) {
            return delegate.createQueue(name, count);
        }

        @Override
        public Set<MailQueueName> listCreatedMailQueues() {
            return ImmutableSet.copyOf(delegate.listCreatedMailQueues());
        }
    }
}
