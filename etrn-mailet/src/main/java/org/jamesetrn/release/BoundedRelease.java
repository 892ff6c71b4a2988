package org.jamesetrn.release;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a release and waits for its count at most a timeout: RFC 1985 wants the ETRN reply at once, the delivery
 * happens after. A release that outlives the wait goes on; its late failure is only logged. Shared by the SMTP
 * handler and the WebAdmin route, so both read a release's outcome the same way.
 */
public final class BoundedRelease {
    private static final Logger LOGGER = LoggerFactory.getLogger(BoundedRelease.class);

    private final DeferredMailRelease release;
    private final Duration replyTimeout;

    public BoundedRelease(DeferredMailRelease release, Duration replyTimeout) {
        this.release = release;
        this.replyTimeout = replyTimeout;
    }

    public ReleaseResult start(Node node) {
        CompletableFuture<Long> started;
        try {
            started = release.release(node);
        } catch (RuntimeException e) {
            LOGGER.warn("ETRN release for node {} failed to start", node, e);
            return failure(e);
        }
        try {
            Long count = started.get(replyTimeout.toNanos(), TimeUnit.NANOSECONDS);
            return count == null ? ReleaseResult.of(ReleaseResult.Status.PENDING) : ReleaseResult.started(count);
        } catch (TimeoutException e) {
            started.whenComplete((count, error) -> logLateOutcome(node, count, error));
            return ReleaseResult.of(ReleaseResult.Status.PENDING);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ReleaseResult.of(ReleaseResult.Status.PENDING);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownQueueException)) {
                LOGGER.warn("ETRN release for node {} failed", node, e.getCause());
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
            LOGGER.warn("ETRN release for node {} failed after the reply", node, error);
        } else {
            LOGGER.info("ETRN release for node {} started {} deferred mails after the reply", node, count);
        }
    }
}
