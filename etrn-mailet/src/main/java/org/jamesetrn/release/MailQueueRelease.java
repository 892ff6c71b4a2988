package org.jamesetrn.release;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

import javax.annotation.PreDestroy;
import javax.inject.Inject;
import javax.inject.Singleton;

import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.metrics.api.Metric;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.metrics.api.TimeMetric;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.utils.PropertiesProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import com.google.common.collect.ImmutableList;
import com.google.common.util.concurrent.ThreadFactoryBuilder;

/**
 * The release engine: finds the deferred mail of a node in the configured RemoteDelivery queues and re-enqueues it
 * for immediate delivery, exactly once (see {@link QueueReleaser} and its three paths, chosen by queue class).
 *
 * <p>Coalescing: one release per node at a time; a request for a node whose release is running gets that release's
 * count instead of starting another scan. The count is reported once selection is done, re-enqueueing goes on after.</p>
 */
@Singleton
public class MailQueueRelease implements DeferredMailRelease, Closeable {
    public static final String RELEASES_METRIC = "etrn.release.releases";
    public static final String RELEASED_MAILS_METRIC = "etrn.release.mails";
    public static final String FAILURES_METRIC = "etrn.release.failures";
    public static final String DURATION_METRIC = "etrn.release.duration";
    private static final Logger LOGGER = LoggerFactory.getLogger(MailQueueRelease.class);

    private final MailQueueFactory<? extends ManageableMailQueue> queueFactory;
    private final ReleaseConfiguration configuration;
    private final MetricFactory metricFactory;
    private final Metric releases;
    private final Metric releasedMails;
    private final Metric failures;
    private final ExecutorService executor;
    private final Map<Node, CompletableFuture<Long>> running = new ConcurrentHashMap<>();
    private final Map<MailQueueName, QueueReleaser> releasers = new ConcurrentHashMap<>();

    @Inject
    public MailQueueRelease(MailQueueFactory<? extends ManageableMailQueue> queueFactory, MetricFactory metricFactory,
                            PropertiesProvider propertiesProvider) throws ConfigurationException {
        this(queueFactory, metricFactory, ReleaseConfiguration.load(propertiesProvider));
    }

    public MailQueueRelease(MailQueueFactory<? extends ManageableMailQueue> queueFactory, MetricFactory metricFactory,
                            ReleaseConfiguration configuration) {
        this.queueFactory = queueFactory;
        this.configuration = configuration;
        this.metricFactory = metricFactory;
        this.releases = metricFactory.generate(RELEASES_METRIC);
        this.releasedMails = metricFactory.generate(RELEASED_MAILS_METRIC);
        this.failures = metricFactory.generate(FAILURES_METRIC);
        this.executor = Executors.newFixedThreadPool(configuration.threads(),
            new ThreadFactoryBuilder().setDaemon(true).setNameFormat("etrn-release-%d").build());
        LOGGER.info("ETRN releases deferred mail from queues {}", configuration.queues());
    }

    @Override
    public CompletableFuture<Long> release(Node node) {
        Objects.requireNonNull(node, "node");
        if (node.kind() == Node.Kind.QUEUE && !configuration.queues().contains(MailQueueName.of(node.name()))) {
            return CompletableFuture.failedFuture(new UnknownQueueException(node.name()));
        }
        CompletableFuture<Long> started = new CompletableFuture<>();
        CompletableFuture<Long> count = running.putIfAbsent(node, started);
        if (count == null) {
            count = started;
            try {
                executor.execute(() -> run(node, started));
            } catch (RejectedExecutionException e) {
                running.remove(node, started);
                started.completeExceptionally(new ReleaseException("ETRN release engine is shut down", e));
            }
        }
        // A copy: a caller completing or cancelling its future must not disturb other callers.
        return count.thenApply(Function.identity());
    }

    private void run(Node node, CompletableFuture<Long> count) {
        TimeMetric timer = metricFactory.timer(DURATION_METRIC);
        releases.increment();
        try (MDC.MDCCloseable mdc = MDC.putCloseable("etrnNode", node.asString())) {
            List<QueueReleaser.Selection> selections = select(node, count);
            if (selections.isEmpty() && count.isCompletedExceptionally()) {
                return;
            }
            long selected = selections.stream().mapToLong(QueueReleaser.Selection::count).sum();
            count.complete(selected);
            long released = 0;
            for (QueueReleaser.Selection selection : selections) {
                try {
                    released += selection.release();
                } catch (Exception e) {
                    failures.increment();
                    LOGGER.error("ETRN release of {} failed part-way; unreleased mail stays deferred", node, e);
                }
            }
            releasedMails.add((int) released);
            LOGGER.info("ETRN {}: {} deferred mails selected, {} re-enqueued", node, selected, released);
        } catch (RuntimeException | Error e) {
            failures.increment();
            count.completeExceptionally(new ReleaseException("ETRN release of " + node + " failed", e));
            LOGGER.error("ETRN release of {} failed", node, e);
        } finally {
            running.remove(node, count);
            timer.stopAndPublish();
        }
    }

    /** Selects in every queue of the node, or in none: on a failure the selections made are abandoned. */
    private List<QueueReleaser.Selection> select(Node node, CompletableFuture<Long> count) {
        NodeMatcher matcher = new NodeMatcher(node);
        List<QueueReleaser.Selection> selections = new ArrayList<>();
        for (MailQueueName queueName : queuesOf(node)) {
            try {
                Optional<QueueReleaser> releaser = releaser(queueName);
                if (releaser.isPresent()) {
                    selections.add(releaser.get().select(matcher));
                }
            } catch (Exception e) {
                selections.forEach(QueueReleaser.Selection::abandon);
                failures.increment();
                LOGGER.error("ETRN could not read queue {} for {}", queueName.asString(), node, e);
                count.completeExceptionally(new ReleaseException("queue " + queueName.asString() + " unavailable", e));
                return ImmutableList.of();
            }
        }
        return selections;
    }

    private List<MailQueueName> queuesOf(Node node) {
        if (node.kind() == Node.Kind.QUEUE) {
            return ImmutableList.of(MailQueueName.of(node.name()));
        }
        return configuration.queues();
    }

    /** The releaser of a queue; empty while the queue does not exist yet (no RemoteDelivery created it: no mail). */
    private Optional<QueueReleaser> releaser(MailQueueName name) {
        QueueReleaser known = releasers.get(name);
        if (known != null) {
            return Optional.of(known);
        }
        synchronized (releasers) {
            known = releasers.get(name);
            if (known != null) {
                return Optional.of(known);
            }
            // getQueue takes a reference on some queues (memory): take it once, keep it, never close it.
            Optional<? extends ManageableMailQueue> queue = queueFactory.getQueue(name);
            queue.ifPresent(q -> releasers.put(name, releaserFor(q)));
            return Optional.ofNullable(releasers.get(name));
        }
    }

    private QueueReleaser releaserFor(ManageableMailQueue queue) {
        if (QueueClasses.isA(queue, QueueClasses.MEMORY_QUEUE)) {
            LOGGER.info("ETRN uses the memory-queue path for {}", queue.getName().asString());
            return new MemoryQueueReleaser(queue);
        }
        // Test by name first: JmsQueueReleaser needs javax.jms, absent from servers without a JMS queue.
        if (QueueClasses.isA(queue, QueueClasses.JMS_QUEUE)) {
            LOGGER.info("ETRN uses the JMS path for {}", queue.getName().asString());
            return new JmsQueueReleaser(queue);
        }
        LOGGER.info("ETRN uses the generic path for {} ({})", queue.getName().asString(), queue.getClass().getName());
        return new GenericQueueReleaser(queue, configuration.genericSafetyMargin());
    }

    /** Whether no release is running (re-enqueueing included); for tests and shutdown. */
    boolean idle() {
        return running.isEmpty();
    }

    @PreDestroy
    @Override
    public void close() {
        executor.shutdown();
    }
}
