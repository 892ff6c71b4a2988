package org.jamesetrn.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jamesetrn.node.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.collect.ImmutableList;

/**
 * The requests to one relay: one session per attempt (ETRN, or ODMR's ATRN), the nodes that failed temporarily asked again after the
 * backoff, at most {@link Backoff#attempts()} attempts per trigger. One session at a time per relay; a new trigger
 * replaces the retries still pending from the previous one (it asks for every node anyway, with a fresh budget).
 */
final class RelayRequester {
    private static final Logger LOGGER = LoggerFactory.getLogger(RelayRequester.class);

    private final UpstreamRelay relay;
    private final RelaySession session;
    private final Backoff backoff;
    private final ClientAudit audit;
    private final ScheduledExecutorService scheduler;

    /** The last result of each node: what the health check reads. */
    private final Map<Node, RequestResult> lastResults = new ConcurrentHashMap<>();

    // Guarded by this.
    private long round;
    private Optional<ScheduledFuture<?>> pendingRetry = Optional.empty();

    RelayRequester(UpstreamRelay relay, RelaySession session, Backoff backoff, ClientAudit audit,
                   ScheduledExecutorService scheduler) {
        this.relay = relay;
        this.session = session;
        this.backoff = backoff;
        this.audit = audit;
        this.scheduler = scheduler;
    }

    UpstreamRelay relay() {
        return relay;
    }

    /** The last result of each node asked so far, in the order the nodes are listed; empty before the first request. */
    List<RequestResult> lastResults() {
        return relay.nodes().stream()
            .flatMap(node -> Optional.ofNullable(lastResults.get(node)).stream())
            .collect(ImmutableList.toImmutableList());
    }

    /** Asks for every node now; answers the reports of this first attempt (retries follow in the background). */
    synchronized List<RequestReport> request(Trigger trigger) {
        pendingRetry.ifPresent(retry -> retry.cancel(false));
        pendingRetry = Optional.empty();
        round++;
        return attempt(trigger, relay.nodes(), 1, round);
    }

    private synchronized List<RequestReport> attempt(Trigger trigger, List<Node> nodes, int attempt, long ofRound) {
        if (ofRound != round) {
            return ImmutableList.of(); // a newer trigger took over
        }
        List<RequestResult> results = session.ask(relay, nodes);
        results.forEach(result -> lastResults.put(result.node(), result));
        List<Node> again = results.stream()
            .filter(result -> result.outcome().retried())
            .map(RequestResult::node)
            .collect(ImmutableList.toImmutableList());
        Optional<Duration> retryIn = !again.isEmpty() && backoff.allowsRetryAfter(attempt)
            ? Optional.of(backoff.delayAfter(attempt)) : Optional.empty();
        List<RequestReport> reports = results.stream()
            .map(result -> RequestReport.of(trigger, result, attempt, backoff.attempts(),
                result.outcome().retried() ? retryIn : Optional.empty()))
            .collect(ImmutableList.toImmutableList());
        reports.forEach(audit::record);
        retryIn.ifPresent(delay -> scheduleRetry(trigger, again, attempt + 1, ofRound, delay));
        return reports;
    }

    private void scheduleRetry(Trigger trigger, List<Node> nodes, int attempt, long ofRound, Duration delay) {
        try {
            pendingRetry = Optional.of(scheduler.schedule(() -> retry(trigger, nodes, attempt, ofRound),
                delay.toMillis(), TimeUnit.MILLISECONDS));
        } catch (RejectedExecutionException stopping) {
            LOGGER.info("ETRN client stopping: no retry for relay {}", relay);
        }
    }

    private void retry(Trigger trigger, List<Node> nodes, int attempt, long ofRound) {
        try {
            attempt(trigger, nodes, attempt, ofRound);
        } catch (RuntimeException e) {
            LOGGER.error("ETRN to relay {} failed unexpectedly", relay, e);
        }
    }
}
