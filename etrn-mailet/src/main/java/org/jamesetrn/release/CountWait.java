package org.jamesetrn.release;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jamesetrn.node.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a node's release and waits for its count at most a timeout: RFC 1985 wants the ETRN reply at once, the
 * delivery happens after. A release that outlives the wait goes on; its late failure is only logged. Shared by the
 * SMTP handler and the WebAdmin route, so both read a release's outcome the same way.
 */
public final class CountWait {
    private static final Logger LOGGER = LoggerFactory.getLogger(CountWait.class);

    private final DeferredMailRelease release;
    private final Duration replyTimeout;

    public CountWait(DeferredMailRelease release, Duration replyTimeout) {
        this.release = release;
        this.replyTimeout = replyTimeout;
    }

    public ReleaseResult release(Node node) {
        Release running;
        CompletableFuture<Long> started;
        try {
            running = release.release(node);
            started = running.counted();
        } catch (RuntimeException e) {
            LOGGER.warn("Release of node {} failed to start", node, e);
            return failure(e);
        }
        try {
            Long count = started.get(replyTimeout.toNanos(), TimeUnit.NANOSECONDS);
            return count == null ? ReleaseResult.pending(running) : ReleaseResult.started(running, count);
        } catch (TimeoutException e) {
            started.whenComplete((count, error) -> logLateOutcome(node, count, error));
            return ReleaseResult.pending(running);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ReleaseResult.pending(running);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownQueueException)) {
                LOGGER.warn("Release of node {} failed", node, e.getCause());
            }
            return failure(e.getCause());
        } catch (CancellationException e) {
            return failure(e);
        }
    }

    private static ReleaseResult failure(Throwable cause) {
        return ReleaseResult.of(cause instanceof UnknownQueueException
            ? ReleaseResult.Status.UNKNOWN_QUEUE
            : ReleaseResult.Status.FAILED);
    }

    private static void logLateOutcome(Node node, Long count, Throwable error) {
        if (error != null) {
            LOGGER.warn("Release of node {} failed after the reply", node, error);
        } else {
            LOGGER.info("Release of node {}: {} deferred mails started after the reply", node, count);
        }
    }
}
