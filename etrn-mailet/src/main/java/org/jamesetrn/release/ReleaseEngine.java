package org.jamesetrn.release;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

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
 * <p>Coalescing: one release per node at a time; a request for a node whose release is running (its probe in
 * flight included) gets that release's count instead of starting another selection. The count is reported once
 * selection is done; dispatching goes on after.</p>
 *
 * <p>Probe first: when delivery outcomes are reported ({@link ProbeOutcomes#reportingWired}) and
 * {@code release.probe.mails} is positive, a release dispatches that many mails first and waits for the first
 * outcome. Delivered or bounced for good: the node's mail is selected again and all of it dispatched. Failed for now,
 * or no news within {@code release.probe.timeout}: the rest stays exactly where it was, untouched, and the next ETRN
 * probes again. The wait holds no thread: a scheduler looks at the sources while mailets report.</p>
 */
@Singleton
public class ReleaseEngine implements DeferredMailRelease, DeferredMailInventory, Closeable {
    public static final String RELEASES_METRIC = "etrn.release.releases";
    public static final String RELEASED_MAILS_METRIC = "etrn.release.mails";
    public static final String FAILURES_METRIC = "etrn.release.failures";
    public static final String PROBES_METRIC = "etrn.release.probes";
    public static final String PROBES_FAILED_METRIC = "etrn.release.probes.failed";
    public static final String DURATION_METRIC = "etrn.release.duration";
    private static final long LOOK_INTERVAL_MILLIS = 100;
    private static final Logger LOGGER = LoggerFactory.getLogger(ReleaseEngine.class);

    private final List<DeferredMailSources> catalogs;
    private final ProbeOutcomes probes;
    private final ReleaseConfiguration configuration;
    private final MetricFactory metricFactory;
    private final Metric releases;
    private final Metric releasedMails;
    private final Metric failures;
    private final Metric probesSent;
    private final Metric probesFailed;
    private final ExecutorService executor;
    private final ScheduledExecutorService scheduler;
    private final Map<Node, Release> running = new ConcurrentHashMap<>();
    private volatile boolean warnedUnwired;

    @Inject
    public ReleaseEngine(Set<DeferredMailSources> catalogs, ProbeOutcomes probes, MetricFactory metricFactory,
                         ReleaseConfiguration configuration) {
        this.catalogs = ImmutableList.copyOf(catalogs);
        this.probes = probes;
        this.configuration = configuration;
        this.metricFactory = metricFactory;
        this.releases = metricFactory.generate(RELEASES_METRIC);
        this.releasedMails = metricFactory.generate(RELEASED_MAILS_METRIC);
        this.failures = metricFactory.generate(FAILURES_METRIC);
        this.probesSent = metricFactory.generate(PROBES_METRIC);
        this.probesFailed = metricFactory.generate(PROBES_FAILED_METRIC);
        this.executor = Executors.newFixedThreadPool(configuration.threads(),
            new ThreadFactoryBuilder().setDaemon(true).setNameFormat("etrn-release-%d").build());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
            new ThreadFactoryBuilder().setDaemon(true).setNameFormat("etrn-probe-watch").build());
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
            started.dispatched().whenComplete((any, error) -> running.remove(node, started));
            if (!submit(started, () -> start(started))) {
                fail(started, new ReleaseException("ETRN release engine is shut down"));
            }
        }
        return release.view();
    }

    private boolean submit(Release release, Runnable step) {
        try {
            executor.execute(() -> {
                try (MDC.MDCCloseable mdc = MDC.putCloseable("etrn.node", release.node().asString())) {
                    step.run();
                } catch (RuntimeException | Error e) {
                    failures.increment();
                    fail(release, new ReleaseException("release of node " + release.node() + " failed", e));
                    LOGGER.error("Release of node {} failed", release.node(), e);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** First step: select and count; then dispatch everything, or a probe first. */
    private void start(Release release) {
        Node node = release.node();
        releases.increment();
        TimeMetric timer = metricFactory.timer(DURATION_METRIC);
        release.dispatched().whenComplete((any, error) -> timer.stopAndPublish());
        Optional<List<DeferredMailSource.Selection>> selections = select(release);
        if (selections.isEmpty()) {
            return;
        }
        long selected = count(selections.get());
        release.counted().complete(selected);
        if (selected == 0) {
            finish(release, selected, 0);
        } else if (probing()) {
            probe(release, selections.get(), selected);
        } else {
            finish(release, selected, dispatch(node, selections.get()));
        }
    }

    private boolean probing() {
        if (configuration.probeMails() == 0) {
            return false;
        }
        if (!probes.reportingWired()) {
            if (!warnedUnwired) {
                warnedUnwired = true;
                LOGGER.warn("Releases send all of a node's mail at once: no ReleaseOutcome mailet reports delivery "
                    + "outcomes, so a probe could not be followed (see conf/mailetcontainer.xml, processor etrn-delivered)");
            }
            return false;
        }
        return true;
    }

    private void probe(Release release, List<DeferredMailSource.Selection> selections, long selected) {
        Node node = release.node();
        List<ProbeOutcomes.Probe> sent = new ArrayList<>();
        List<DeferredMailSource.ProbeWatch> watches = new ArrayList<>();
        try {
            for (DeferredMailSource.Selection selection : selections) {
                if (sent.size() < configuration.probeMails() && selection.count() > 0) {
                    ProbeOutcomes.Probe probe = probes.expect();
                    Optional<DeferredMailSource.ProbeWatch> watch = selection.dispatchProbe(probe);
                    if (watch.isPresent()) {
                        sent.add(probe);
                        watches.add(watch.get());
                    } else {
                        probe.outcome().cancel(false);
                    }
                } else {
                    selection.abandon();
                }
            }
        } catch (Exception e) {
            selections.forEach(DeferredMailSource.Selection::abandon);
            failures.increment();
            LOGGER.error("Release of node {}: the probe could not be sent; the mail stays where it was", node, e);
            sent.forEach(probe -> probe.outcome().cancel(false));
            finish(release, selected, 0);
            return;
        }
        if (sent.isEmpty()) {
            // Every selected mail was taken by someone else meanwhile (RemoteDelivery, a flush): nothing to probe.
            finish(release, selected, 0);
            return;
        }
        probesSent.add(sent.size());
        LOGGER.info("Release of node {}: {} deferred mails selected; probing the site with {} of them first",
            node, selected, sent.size());
        firstUsableOutcome(sent, watches).whenComplete((outcome, error) -> {
            ProbeOutcome result = error == null ? outcome : ProbeOutcome.NO_OUTCOME;
            if (!submit(release, () -> afterProbe(release, selected, sent.size(), result))) {
                fail(release, new ReleaseException("ETRN release engine is shut down"));
            }
        });
    }

    /**
     * The first outcome that lets the rest follow, or, once every probe has an outcome (or the timeout passed), the
     * last one. The watches are looked at every {@value #LOOK_INTERVAL_MILLIS} ms meanwhile.
     */
    private CompletableFuture<ProbeOutcome> firstUsableOutcome(List<ProbeOutcomes.Probe> sent,
                                                               List<DeferredMailSource.ProbeWatch> watches) {
        CompletableFuture<ProbeOutcome> decided = new CompletableFuture<>();
        List<CompletableFuture<ProbeOutcome>> outcomes = new ArrayList<>();
        for (ProbeOutcomes.Probe probe : sent) {
            outcomes.add(probe.outcome());
            probe.outcome().thenAccept(outcome -> {
                if (outcome.restFollows()) {
                    decided.complete(outcome);
                }
            });
        }
        CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
            .thenRun(() -> decided.complete(outcomes.get(outcomes.size() - 1).join()));
        ScheduledFuture<?> looking = scheduler.scheduleWithFixedDelay(() -> {
            for (int i = 0; i < watches.size(); i++) {
                try {
                    Optional<ProbeOutcome> seen = watches.get(i).look();
                    if (seen.isPresent()) {
                        probes.report(sent.get(i).id(), seen.get());
                    }
                } catch (Exception e) {
                    LOGGER.warn("Could not look for probe {}", sent.get(i).id(), e);
                }
            }
        }, LOOK_INTERVAL_MILLIS, LOOK_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> timeout = scheduler.schedule(() -> decided.complete(ProbeOutcome.NO_OUTCOME),
            configuration.probeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        decided.whenComplete((outcome, error) -> {
            looking.cancel(false);
            timeout.cancel(false);
            sent.forEach(probe -> probe.outcome().cancel(false));
        });
        return decided;
    }

    private void afterProbe(Release release, long selected, int probeMails, ProbeOutcome outcome) {
        Node node = release.node();
        if (!outcome.restFollows()) {
            probesFailed.increment();
            if (outcome == ProbeOutcome.NO_OUTCOME) {
                LOGGER.warn("Release of node {}: no outcome for the probe within {}; the rest stays deferred. If the site "
                        + "is up, check that the RemoteDelivery of its route reports outcomes (<onSuccess> to a processor "
                        + "with ReleaseOutcome, conf/mailetcontainer.xml)", node, configuration.probeTimeout());
            } else {
                LOGGER.info("Release of node {}: the probe failed for now (the site is still down); the other {} mails "
                    + "stay where they were", node, selected - probeMails);
            }
            finish(release, selected, probeMails);
            return;
        }
        LOGGER.info("Release of node {}: the probe was {}; dispatching the rest", node,
            outcome == ProbeOutcome.DELIVERED ? "delivered" : "refused for good");
        Optional<List<DeferredMailSource.Selection>> rest = select(release);
        if (rest.isPresent()) {
            finish(release, selected, probeMails + dispatch(node, rest.get()));
        }
    }

    private long dispatch(Node node, List<DeferredMailSource.Selection> selections) {
        long dispatched = 0;
        for (DeferredMailSource.Selection selection : selections) {
            try {
                dispatched += selection.dispatch();
            } catch (Exception e) {
                failures.increment();
                LOGGER.error("Release of node {} failed part-way; the mail not dispatched stays deferred", node, e);
            }
        }
        return dispatched;
    }

    private void finish(Release release, long selected, long dispatched) {
        releasedMails.add((int) dispatched);
        LOGGER.info("Release of node {}: {} deferred mails selected, {} dispatched for delivery", release.node(),
            selected, dispatched);
        running.remove(release.node(), release); // over: a request from now on starts a new release, not joins this one
        release.dispatched().complete(dispatched);
    }

    private static long count(List<DeferredMailSource.Selection> selections) {
        return selections.stream().mapToLong(DeferredMailSource.Selection::count).sum();
    }

    private void fail(Release release, ReleaseException failure) {
        running.remove(release.node(), release);
        release.counted().completeExceptionally(failure);
        release.dispatched().completeExceptionally(failure);
    }

    /**
     * Selects in every source of the node, or in none: on a failure the selections made are abandoned and the
     * release fails (empty).
     */
    private Optional<List<DeferredMailSource.Selection>> select(Release release) {
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
            return Optional.of(selections);
        } catch (Exception e) {
            selections.forEach(DeferredMailSource.Selection::abandon);
            failures.increment();
            LOGGER.error("Release of node {}: cannot read {}", node, current, e);
            fail(release, new ReleaseException(current + " unavailable", e));
            return Optional.empty();
        }
    }

    @Override
    public List<SourceFigures> waiting(Node node) throws Exception {
        if (catalogs.stream().noneMatch(catalog -> catalog.serves(node))) {
            throw new UnknownQueueException(node.name());
        }
        List<SourceFigures> figures = new ArrayList<>();
        for (DeferredMailSources catalog : catalogs) {
            for (DeferredMailSource source : catalog.sourcesFor(node)) {
                figures.add(source.figures(node));
            }
        }
        return figures;
    }

    @PreDestroy
    @Override
    public void close() {
        scheduler.shutdownNow();
        executor.shutdown();
    }
}
