package org.jamesetrn.release;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import org.jamesetrn.node.Node;

/**
 * A node's release under way: first its count (the deferred mails selected, what the ETRN reply reports), then the
 * end of its dispatching (how many mails this release handed to delivery). A failure completes both exceptionally.
 */
public final class Release {
    private final Node node;
    private final CompletableFuture<Long> counted;
    private final CompletableFuture<Long> dispatched;

    public static Release failed(Node node, Throwable cause) {
        return new Release(node, CompletableFuture.failedFuture(cause), CompletableFuture.failedFuture(cause));
    }

    public Release(Node node, CompletableFuture<Long> counted, CompletableFuture<Long> dispatched) {
        this.node = node;
        this.counted = counted;
        this.dispatched = dispatched;
    }

    public Node node() {
        return node;
    }

    /**
     * Completes with the number of deferred mails whose delivery this release starts, as soon as it is known;
     * exceptionally with {@link UnknownQueueException} for a {@code #queue} nobody serves, with
     * {@link ReleaseException} when a source cannot be read.
     */
    public CompletableFuture<Long> counted() {
        return counted;
    }

    /** Completes when the release is over, with the number of mails it handed to delivery. */
    public CompletableFuture<Long> dispatched() {
        return dispatched;
    }

    /** The same release seen by another caller: completing or cancelling one view does not disturb the others. */
    Release view() {
        return new Release(node, counted.thenApply(Function.identity()), dispatched.thenApply(Function.identity()));
    }
}
