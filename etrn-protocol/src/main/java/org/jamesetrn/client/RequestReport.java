package org.jamesetrn.client;

import java.time.Duration;
import java.util.Optional;

/**
 * One request as the client reports it (log line, metrics, WebAdmin): the result, which attempt of its trigger it
 * was, and when it will be retried if it will.
 */
final class RequestReport {
    static RequestReport of(Trigger trigger, RequestResult result, int attempt, int attempts, Optional<Duration> retryIn) {
        return new RequestReport(trigger, result, attempt, attempts, retryIn);
    }

    private final Trigger trigger;
    private final RequestResult result;
    private final int attempt;
    private final int attempts;
    private final Optional<Duration> retryIn;

    private RequestReport(Trigger trigger, RequestResult result, int attempt, int attempts, Optional<Duration> retryIn) {
        this.trigger = trigger;
        this.result = result;
        this.attempt = attempt;
        this.attempts = attempts;
        this.retryIn = retryIn;
    }

    Trigger trigger() {
        return trigger;
    }

    RequestResult result() {
        return result;
    }

    /** 1 for the trigger's first attempt. */
    int attempt() {
        return attempt;
    }

    /** The most attempts a trigger makes. */
    int attempts() {
        return attempts;
    }

    Optional<Duration> retryIn() {
        return retryIn;
    }

    /** A temporary failure with no attempt left: the next trigger will ask again. */
    boolean gaveUp() {
        return result.outcome().retried() && retryIn.isEmpty();
    }
}
