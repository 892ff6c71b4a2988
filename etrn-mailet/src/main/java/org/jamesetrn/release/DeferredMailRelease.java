package org.jamesetrn.release;

import java.util.concurrent.CompletableFuture;

/**
 * The one interface between the ETRN command and James's mail queues: start delivering, now, the deferred
 * mail held for a node (RFC 1985: "force its retry queues to start sending messages to that remote site").
 *
 * <p>Used by the SMTP handler; WebAdmin routes, tasks and mailets may use it too.</p>
 */
public interface DeferredMailRelease {
    /**
     * Starts the release of the deferred mail held for {@code node} and returns at once.
     *
     * @return completes with the number of deferred mails whose delivery was started as soon as that number is
     *     known (re-enqueueing may go on after); completes exceptionally with {@link UnknownQueueException} for a
     *     {@code #queue} node naming a queue this release does not serve, with {@link ReleaseException} when a
     *     queue cannot be read or written. A mail is never lost or duplicated, whatever the outcome.
     */
    CompletableFuture<Long> release(Node node);
}
