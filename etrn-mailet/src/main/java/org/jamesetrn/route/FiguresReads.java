package org.jamesetrn.route;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jamesetrn.node.Node;
import org.jamesetrn.release.DeferredMailInventory;
import org.jamesetrn.release.SourceFigures;

import com.google.common.util.concurrent.ThreadFactoryBuilder;

/**
 * Reads what waits for a node ({@code GET /etrn/{node}}) off WebAdmin's threads. Why: a source may have to read every
 * mail of the node (a queue browsed, a shared repository), which is long on a large backlog; WebAdmin's threads are
 * few and a client's HTTP timeout short. So: one read per node at a time (a GET joins the read in flight), at most
 * {@value #MAX_READS} nodes read at once, and a GET waits at most {@code wait}. A read that outlives its GET goes on;
 * its figures are kept for {@code keep} after it ends, for the one GET that comes back for them (they say when they
 * were read). Figures are never served twice from the past: a read that ended within its GETs' wait is not kept, and
 * after kept figures were served the next GET reads again, so a client polling for a change never sees old figures
 * twice.
 */
final class FiguresReads {
    static final int MAX_READS = 4;

    /** Figures of a node, and when they were read. */
    static final class Figures {
        private final List<SourceFigures> sources;
        private final Instant readAt;
        private final boolean earlier;

        private Figures(List<SourceFigures> sources, Instant readAt, boolean earlier) {
            this.sources = sources;
            this.readAt = readAt;
            this.earlier = earlier;
        }

        List<SourceFigures> sources() {
            return sources;
        }

        /** When the read ended, if it ended before this GET came (figures kept for it); empty when read for it. */
        Optional<Instant> readEarlier() {
            return earlier ? Optional.of(readAt) : Optional.empty();
        }
    }

    /** Too many nodes are being read at once. */
    static final class TooManyReads extends Exception {
        TooManyReads(Throwable cause) {
            super("too many reads at once", cause);
        }
    }

    private final class Read {
        private final CompletableFuture<List<SourceFigures>> figures = new CompletableFuture<>();
        private volatile Instant endedAt;
        private volatile boolean outlivedAGet;
        private volatile boolean servedLater;

        /**
         * In flight, or ended after a GET stopped waiting for it: not failed, within {@code keep}, and not yet served to
         * a GET that came after its end (kept figures are served once: the next GET reads again).
         */
        boolean reusable(Instant now) {
            if (!figures.isDone()) {
                return true;
            }
            return outlivedAGet && !servedLater && !figures.isCompletedExceptionally() && endedAt.plus(keep).isAfter(now);
        }
    }

    private final DeferredMailInventory inventory;
    private final Duration wait;
    private final Duration keep;
    private final Clock clock;
    private final Executor executor;
    private final Map<Node, Read> reads = new ConcurrentHashMap<>();

    FiguresReads(DeferredMailInventory inventory, Duration wait, Duration keep, Clock clock) {
        this.inventory = inventory;
        this.wait = wait;
        this.keep = keep;
        this.clock = clock;
        // No queue: a read is started at once or refused. Idle threads end, so that nothing stays between GETs.
        this.executor = new ThreadPoolExecutor(0, MAX_READS, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
            new ThreadFactoryBuilder().setDaemon(true).setNameFormat("etrn-figures-%d").build());
    }

    Duration waitLimit() {
        return wait;
    }

    /**
     * The node's figures, read for this GET, joined from a read in flight, or kept from a read that outlived an earlier
     * GET; empty when the read goes on past the wait.
     *
     * @throws TooManyReads when {@value #MAX_READS} other nodes are being read
     * @throws Exception the read's failure ({@code UnknownQueueException} for a queue no source serves)
     */
    Optional<Figures> figures(Node node) throws Exception {
        Instant now = clock.instant();
        reads.values().removeIf(read -> !read.reusable(now));
        Read read;
        boolean[] earlier = {false};
        try {
            read = reads.compute(node, (key, existing) -> {
                if (existing != null && existing.reusable(now)) {
                    earlier[0] = existing.figures.isDone();
                    existing.servedLater = earlier[0];
                    return existing;
                }
                return start(key);
            });
        } catch (RejectedExecutionException e) {
            throw new TooManyReads(e);
        }
        try {
            List<SourceFigures> sources = read.figures.get(wait.toNanos(), TimeUnit.NANOSECONDS);
            return Optional.of(new Figures(sources, read.endedAt, earlier[0]));
        } catch (TimeoutException e) {
            read.outlivedAGet = true;
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            read.outlivedAGet = true;
            return Optional.empty();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
    }

    private Read start(Node node) {
        Read read = new Read();
        executor.execute(() -> {
            try {
                List<SourceFigures> figures = inventory.waiting(node);
                read.endedAt = clock.instant();
                read.figures.complete(figures);
            } catch (Exception | Error e) {
                read.endedAt = clock.instant();
                read.figures.completeExceptionally(e);
            }
        });
        return read;
    }
}
