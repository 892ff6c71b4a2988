package org.jamesetrn.client;

import java.util.Locale;

/**
 * How one ETRN request to a relay ended, from this side (RFC 1985 section 5 replies and what can go wrong before
 * them): the decision to retry, the word in the log and in WebAdmin's answer, and the counter
 * {@code etrn_client_<name>}.
 */
enum ClientOutcome {
    /** 252 or 253: the relay started delivering the node's pending mail (253 says how many). */
    STARTED(false),
    /** 251: nothing waiting for the node. */
    NOTHING_WAITING(false),
    /** 250 (or another 2xx): queuing started, without a count (Postfix always answers so). */
    QUEUING_STARTED(false),
    /** 458 or another 4xx but 459: the relay cannot start the queue now; retried with the backoff. */
    DEFERRED(true),
    /** The relay could not be reached or dropped the session (connect, read or timeout failure); retried. */
    UNREACHABLE(true),
    /**
     * 459, any 5xx, a failed AUTH or STARTTLS, or AUTH configured but not offered: the relay said no, or the session
     * could not be made as configured. Not retried before the next trigger.
     */
    REFUSED(false),
    /** The relay's EHLO does not list ETRN: no ETRN sent, not retried before the next trigger. */
    NOT_OFFERED(false);

    private final boolean retried;

    ClientOutcome(boolean retried) {
        this.retried = retried;
    }

    /** The outcome of an ETRN reply code. */
    static ClientOutcome ofReply(int code) {
        switch (code) {
            case 251:
                return NOTHING_WAITING;
            case 252:
            case 253:
                return STARTED;
            case 459:
                return REFUSED;
            default:
                if (code >= 200 && code < 300) {
                    return QUEUING_STARTED;
                }
                return code >= 400 && code < 500 ? DEFERRED : REFUSED;
        }
    }

    boolean retried() {
        return retried;
    }

    boolean succeeded() {
        return this == STARTED || this == NOTHING_WAITING || this == QUEUING_STARTED;
    }

    /** Lower case with underscores: {@code nothing_waiting}. */
    String label() {
        return name().toLowerCase(Locale.US);
    }

    String metricName() {
        return "etrn_client_" + label();
    }
}
