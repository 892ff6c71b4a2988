package org.jamesetrn.client;

import java.time.Duration;

import com.google.common.base.Preconditions;

/**
 * The bounded exponential backoff of the requests that failed temporarily (458, other 4xx, relay unreachable):
 * at most {@code attempts} attempts per trigger, the n-th retry {@code firstDelay × 2^(n-1)} after the previous
 * attempt, never more than {@code maxDelay}. After the last attempt the client waits for the next trigger.
 */
final class Backoff {
    static Backoff of(int attempts, Duration firstDelay, Duration maxDelay) {
        Preconditions.checkArgument(attempts >= 1, "at least one attempt");
        Preconditions.checkArgument(!firstDelay.isNegative() && !firstDelay.isZero(), "the first delay must be positive");
        Preconditions.checkArgument(maxDelay.compareTo(firstDelay) >= 0, "the longest delay must not be shorter than the first");
        return new Backoff(attempts, firstDelay, maxDelay);
    }

    private final int attempts;
    private final Duration firstDelay;
    private final Duration maxDelay;

    private Backoff(int attempts, Duration firstDelay, Duration maxDelay) {
        this.attempts = attempts;
        this.firstDelay = firstDelay;
        this.maxDelay = maxDelay;
    }

    int attempts() {
        return attempts;
    }

    Duration firstDelay() {
        return firstDelay;
    }

    Duration maxDelay() {
        return maxDelay;
    }

    /** Whether attempt number {@code attempt} (1 for the first) may be followed by another one. */
    boolean allowsRetryAfter(int attempt) {
        return attempt < attempts;
    }

    /** The wait between attempt {@code attempt} (1 for the first) and the next one. */
    Duration delayAfter(int attempt) {
        Duration delay = firstDelay;
        // Doubling stops at the cap, so that a large attempt count cannot overflow the duration.
        for (int i = 1; i < attempt && delay.compareTo(maxDelay) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
    }
}
