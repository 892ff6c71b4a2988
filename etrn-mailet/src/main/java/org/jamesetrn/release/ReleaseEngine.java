package org.jamesetrn.release;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

import javax.annotation.PreDestroy;
import javax.inject.Inject;
import javax.inject.Singleton;

import org.apache.james.metrics.api.Metric;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.metrics.api.TimeMetric;
import org.jamesetrn.node.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import com.google.common.collect.ImmutableList;
import com.google.common.util.concurrent.ThreadFactoryBuilder;

/**
 * The release engine: releases a node's deferred mail from every source that may hold it (see
 * {@link DeferredMailSource}: select everywhere, count, then dispatch), on a small pool of threads.
 *
 * <p>Coalescing: one release per node at a time; a request for a node whose release is running gets that release's
 * count instead of starting another selection. The count is reported once selection is done; dispatching goes on
 * after.</p>
 */
@Singleton
public class ReleaseEngine implements DeferredMailRelease, Closeable {
    public static final String RELEASES_METRIC = "etrn.release.releases";
    public static final String RELEASED_MAILS_METRIC = "etrn.release.mails";
    public static final String FAILURES_METRIC = "etrn.release.failures";
    public static final String DURATION_METRIC = "etrn.release.duration";
    private static final Logger LOGGER = LoggerFactory.getLogger(ReleaseEngine.class);

    private final List<DeferredMailSources> catalogs;
    private final MetricFactory metricFactory;
    private final Metric releases;
    private final Metric releasedMails;
    private final Metric failures;
    private final ExecutorService executor;
    private final Map<Node, Release> running = new ConcurrentHashMap<>();

    @Inject
    public ReleaseEngine(Set<DeferredMailSources> catalogs, MetricFactory metricFactory, ReleaseConfiguration configuration) {
        this.catalogs = ImmutableList.copyOf(catalogs);
        this.metricFactory = metricFactory;
        this.releases = metricFactory.generate(RELEASES_METRIC);
        this.releasedMails = metricFactory.generate(RELEASED_MAILS_METRIC);
        this.failures = metricFactory.generate(FAILURES_METRIC);
        this.executor = Executors.newFixedThreadPool(configuration.threads(),
            new ThreadFactoryBuilder().setDaemon(true).setNameFormat("etrn-release-%d").build());
    }

    @Override
    public Release release(Node node) {
        Objects.requireNonNull(node, "node");
        if (catalogs.stream().noneMatch(catalog -> catalog.serves(node))) {
            return Release.failed(node, new UnknownQueueException(node.name()));
        }
        Release started = new Release(node, new CompletableFuture<>(), new CompletableFuture<>());
        Release release = running.putIfAbsent(node, started);
        if (release == null) {
            release = started;
            try {
                executor.execute(() -> run(started));
            } catch (RejectedExecutionException e) {
                fail(started, new ReleaseException("ETRN release engine is shut down", e));
            }
        }
        return release.view();
    }

    private void run(Release release) {
        Node node = release.node();
        TimeMetric timer = metricFactory.timer(DURATION_METRIC);
        releases.increment();
        try (MDC.MDCCloseable mdc = MDC.putCloseable("etrn.node", node.asString())) {
            List<DeferredMailSource.Selection> selections = select(release);
            if (selections.isEmpty() && release.counted().isCompletedExceptionally()) {
                return;
            }
            long selected = selections.stream().mapToLong(DeferredMailSource.Selection::count).sum();
            release.counted().complete(selected);
            long dispatched = 0;
            for (DeferredMailSource.Selection selection : selections) {
                try {
                    dispatched += selection.dispatch();
                } catch (Exception e) {
                    failures.increment();
                    LOGGER.error("Release of node {} failed part-way; the mail not dispatched stays deferred", node, e);
                }
            }
            releasedMails.add((int) dispatched);
            LOGGER.info("Release of node {}: {} deferred mails selected, {} dispatched for delivery", node, selected, dispatched);
            running.remove(node, release); // over: a request from now on starts a new release instead of joining this one
            release.dispatched().complete(dispatched);
        } catch (RuntimeException | Error e) {
            failures.increment();
            fail(release, new ReleaseException("release of node " + node + " failed", e));
            LOGGER.error("Release of node {} failed", node, e);
        } finally {
            running.remove(node, release);
            timer.stopAndPublish();
        }
    }

    private void fail(Release release, ReleaseException failure) {
        running.remove(release.node(), release);
        release.counted().completeExceptionally(failure);
        release.dispatched().completeExceptionally(failure);
    }

    /** Selects in every source of the node, or in none: on a failure the selections made are abandoned. */
    private List<DeferredMailSource.Selection> select(Release release) {
        Node node = release.node();
        List<DeferredMailSource.Selection> selections = new ArrayList<>();
        String current = "its sources";
        try {
            for (DeferredMailSources catalog : catalogs) {
                for (DeferredMailSource source : catalog.sourcesFor(node)) {
                    current = source.name();
                    selections.add(source.select(node));
                }
            }
            return selections;
        } catch (Exception e) {
            selections.forEach(DeferredMailSource.Selection::abandon);
            failures.increment();
            LOGGER.error("Release of node {}: cannot read {}", node, current, e);
            fail(release, new ReleaseException(current + " unavailable", e));
            return ImmutableList.of();
        }
    }

    @PreDestroy
    @Override
    public void close() {
        executor.shutdown();
    }
}
