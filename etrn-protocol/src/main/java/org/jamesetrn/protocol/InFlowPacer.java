package org.jamesetrn.protocol;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Postfix's in-flow delay for James: before a new mail, SMTP waits while the spool's backlog is above a limit, at most
 * a maximum delay, then goes on whatever the backlog. Accepting then keeps pace with what the server processes (the
 * hold's store, RemoteDelivery's queues) instead of piling mail up in the spool, and a sender is slowed, never
 * refused: after the maximum delay its mail is taken anyway (a spool that no longer drains is the health checks'
 * business, not a reason to refuse mail).
 *
 * <p>The backlog is counted at most once every {@link #RECOUNT} whatever the number of sessions waiting (a count may
 * cost a round trip to the broker); a waiting session looks again at that pace, so it goes on within about that
 * long once the spool has caught up.</p>
 */
final class InFlowPacer {
    /** How old a count may be; also how often a waiting session looks again. */
    static final Duration RECOUNT = Duration.ofMillis(50);

    private final LongSupplier backlog;
    private final long limit;
    private final Duration maxDelay;
    private final Object counting = new Object();
    private volatile long lastCount;
    /** When the last count was made; at first, long enough ago that the first mail counts. */
    private volatile long countedAtNanos = System.nanoTime() - 2 * RECOUNT.toNanos();

    InFlowPacer(LongSupplier backlog, long limit, Duration maxDelay) {
        this.backlog = backlog;
        this.limit = limit;
        this.maxDelay = maxDelay;
    }

    Duration maxDelay() {
        return maxDelay;
    }

    boolean enabled() {
        return !maxDelay.isZero();
    }

    /** Waits while the backlog is above the limit, at most the maximum delay; answers how long it waited. */
    Duration pace() {
        if (!enabled()) {
            return Duration.ZERO;
        }
        long start = System.nanoTime();
        long deadline = start + maxDelay.toNanos();
        while (backlog(System.nanoTime()) > limit) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            LockSupport.parkNanos(Math.min(left, RECOUNT.toNanos()));
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private long backlog(long now) {
        if (now - countedAtNanos < RECOUNT.toNanos()) {
            return lastCount;
        }
        synchronized (counting) {
            // Another session may have counted while this one waited for the lock.
            if (System.nanoTime() - countedAtNanos >= RECOUNT.toNanos()) {
                lastCount = backlog.getAsLong();
                countedAtNanos = System.nanoTime();
            }
            return lastCount;
        }
    }

    @Override
    public String toString() {
        return "in-flow delay up to " + TimeUnit.NANOSECONDS.toMillis(maxDelay.toNanos()) + " ms while the spool holds more than "
            + limit + " mails";
    }
}
