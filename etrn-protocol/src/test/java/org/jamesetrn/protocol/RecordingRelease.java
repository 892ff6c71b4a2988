package org.jamesetrn.protocol;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.jamesetrn.release.DeferredMailRelease;
import org.jamesetrn.release.Node;

/** A release engine for tests: records the nodes asked for and answers what the test says. */
final class RecordingRelease implements DeferredMailRelease {
    private final List<Node> released = new CopyOnWriteArrayList<>();
    private volatile Function<Node, CompletableFuture<Long>> answer = node -> CompletableFuture.completedFuture(0L);

    RecordingRelease answering(Function<Node, CompletableFuture<Long>> answer) {
        this.answer = answer;
        return this;
    }

    RecordingRelease startingCount(long count) {
        return answering(node -> CompletableFuture.completedFuture(count));
    }

    List<Node> released() {
        return released;
    }

    @Override
    public CompletableFuture<Long> release(Node node) {
        released.add(node);
        return answer.apply(node);
    }
}
