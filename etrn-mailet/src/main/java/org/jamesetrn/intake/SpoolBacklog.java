package org.jamesetrn.intake;

/**
 * How many mails the spool has accepted and not yet processed: mail acknowledged over SMTP (and mail James's
 * processors sent back to the spool) waiting for the mailet pipeline, the hold's store included. Asked by SMTP's
 * in-flow delay (etrn-protocol's {@code InFlowDelayHook}), which pauses a new mail while this backlog is large, as
 * Postfix's {@code in_flow_delay} does while its queue manager falls behind.
 *
 * <p>A mail queue that can count its waiting mails more cheaply than James's {@code getSize} (a RabbitMQ queue's
 * ready messages instead of a read of James's Cassandra view) implements this interface itself, and is asked
 * directly ({@link QueueSpoolBacklog}).</p>
 */
public interface SpoolBacklog {
    /** Mails waiting in the spool now; 0 when the spool cannot say. */
    long waitingMails();
}
