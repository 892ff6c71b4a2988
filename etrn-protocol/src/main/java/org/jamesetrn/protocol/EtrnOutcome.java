package org.jamesetrn.protocol;

/** How one ETRN ended: the log's decision and the name of its counter (metric {@code etrn_<name>}). */
enum EtrnOutcome {
    /** 253: n deferred mails started. */
    STARTED("started"),
    /** 251: nothing deferred for the node. */
    NOTHING_WAITING("nothing_waiting"),
    /** 250: started, count withheld (private replies) or not known within the reply timeout. */
    QUEUING_STARTED("queuing_started"),
    /** 458: the release failed (queue backend). */
    FAILED("failed"),
    /** 458: the client's rate limit is used up. */
    RATE_LIMITED("rate_limited"),
    /** 459: refused by the policy or by the release engine (unknown queue). */
    REFUSED("refused"),
    /** 501: the argument is not a node. */
    SYNTAX_ERROR("syntax_error"),
    /** 503: before HELO/EHLO or inside a mail transaction. */
    BAD_SEQUENCE("bad_sequence");

    private final String metricSuffix;

    EtrnOutcome(String metricSuffix) {
        this.metricSuffix = metricSuffix;
    }

    String metricName() {
        return "etrn_" + metricSuffix;
    }
}
