package org.jamesetrn.intake;

/**
 * How many mails the spool has accepted and not yet processed: mail acknowledged over SMTP (and mail James's
 * processors sent back to the spool) waiting for the mailet pipeline, the hold's store included. Asked by SMTP's
 * in-flow delay (etrn-protocol's {@code InFlowDelayHook}), which pauses a new mail while this backlog is large, as
 * Postfix's {@code in_flow_delay} does while its queue manager falls behind.
 */
public interface SpoolBacklog {
    /** Mails waiting in the spool now; 0 when the spool cannot say. */
    long waitingMails();
}
