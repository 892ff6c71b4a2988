package org.jamesetrn.release;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.jamesetrn.node.Node;

/**
 * A release engine for the tests of its callers (the ETRN handler, the WebAdmin route): records the nodes asked for
 * and answers the count the test says; the release is over when its count is known. Shared through etrn-mailet's
 * test jar.
 */
public final class RecordingRelease implements DeferredMailRelease {
    private final List<Node> released = new CopyOnWriteArrayList<>();
    private volatile Function<Node, CompletableFuture<Long>> answer = node -> CompletableFuture.completedFuture(0L);

    /** Answers every request with the future the function gives; a function that throws plays a release that cannot start. */
    public RecordingRelease answering(Function<Node, CompletableFuture<Long>> answer) {
        this.answer = answer;
        return this;
    }

    public RecordingRelease startingCount(long count) {
        return answering(node -> CompletableFuture.completedFuture(count));
    }

    public RecordingRelease failingWith(Throwable failure) {
        return answering(node -> CompletableFuture.failedFuture(failure));
    }

    /** The nodes asked for, in order. */
    public List<Node> released() {
        return released;
    }

    @Override
    public Release release(Node node) {
        released.add(node);
        CompletableFuture<Long> count = answer.apply(node);
        return new Release(node, count, count.thenApply(Function.identity()));
    }
}
