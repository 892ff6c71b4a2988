package org.jamesetrn.release;

/** How a release's probe mail fared: it decides whether the rest of the node's mail follows. */
public enum ProbeOutcome {
    /** The site's MX took it: the rest follows. */
    DELIVERED(true),
    /** Refused for good (5xx): the other mails' recipients differ, so the rest follows. */
    BOUNCED(true),
    /** The site is still down or refused for now: the rest stays where it was. */
    TEMPORARY_FAILURE(false),
    /** No outcome within the probe timeout (a stalled site, or a route without outcome reporting): the rest stays. */
    NO_OUTCOME(false);

    private final boolean restFollows;

    ProbeOutcome(boolean restFollows) {
        this.restFollows = restFollows;
    }

    public boolean restFollows() {
        return restFollows;
    }
}
