package org.jamesetrn.client;

import java.util.Locale;

import org.jamesetrn.odmr.customer.AtrnResult;

/**
 * How one ETRN request to a relay ended, from this side (RFC 1985 section 5 replies and what can go wrong before
 * them), or one ATRN (RFC 2645 section 7): the decision to retry, the word in the log and in WebAdmin's answer, and
 * the counter {@code etrn_client_<name>}.
 */
enum ClientOutcome {
    /**
     * 252 or 253: the relay started delivering the node's pending mail (253 says how many). ATRN: 250, and the
     * provider delivered its held mail over the connection and said QUIT (the count: mails this James accepted).
     */
    STARTED(false),
    /** 251: nothing waiting for the node. ATRN: 453. */
    NOTHING_WAITING(false),
    /** 250 (or another 2xx): queuing started, without a count (Postfix always answers so). */
    QUEUING_STARTED(false),
    /**
     * 458 or another 4xx but 459: the relay cannot start the queue now; retried with the backoff. ATRN: 450 (not
     * now, or a domain not the customer's), 451, another 4xx.
     */
    DEFERRED(true),
    /**
     * The relay could not be reached or dropped the session (connect, read or timeout failure); retried. ATRN also: a
     * turnaround cut before the provider's QUIT (what it did not deliver stays held there), or this James's own SMTP
     * server unreachable after the 250.
     */
    UNREACHABLE(true),
    /**
     * 459, any 5xx, a failed AUTH or STARTTLS, or AUTH configured but not offered: the relay said no, or the session
     * could not be made as configured. Not retried before the next trigger.
     */
    REFUSED(false),
    /**
     * The relay's EHLO does not list ETRN (ODMR: ATRN or AUTH CRAM-MD5): nothing asked, not retried before the next
     * trigger.
     */
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

    /** The outcome of an ATRN session. */
    static ClientOutcome ofAtrn(AtrnResult.Outcome outcome) {
        switch (outcome) {
            case TURNED_AROUND:
                return STARTED;
            case NO_MAIL:
                return NOTHING_WAITING;
            case DEFERRED:
                return DEFERRED;
            case NOT_OFFERED:
                return NOT_OFFERED;
            case REFUSED:
                return REFUSED;
            case CUT:
            case UNREACHABLE:
            default:
                return UNREACHABLE;
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
