package org.jamesetrn.release;

import java.time.Instant;
import java.util.Optional;

/** What waits for a node in one source: the figures of {@code GET /etrn/{node}}. */
public final class SourceFigures {
    public enum Kind {
        /** A RemoteDelivery queue: deferred mail. */
        QUEUE,
        /** A per-node hold repository (HoldForEtrn). */
        HOLD,
        /** A shared repository of James's distributed pattern. */
        REPOSITORY
    }

    /** Accumulates figures while a source is read. */
    public static final class Tally {
        private long mails;
        private long bytes;
        private Instant oldest;

        public void add(long size, Instant since) {
            mails++;
            bytes += Math.max(0, size);
            if (since != null && (oldest == null || since.isBefore(oldest))) {
                oldest = since;
            }
        }

        public SourceFigures of(Kind kind, String source, Optional<Instant> nextExpiry) {
            return new SourceFigures(kind, source, mails, bytes, Optional.ofNullable(oldest), nextExpiry, false);
        }

        public Optional<Instant> oldest() {
            return Optional.ofNullable(oldest);
        }
    }

    private final Kind kind;
    private final String source;
    private final long mails;
    private final long bytes;
    private final Optional<Instant> oldest;
    private final Optional<Instant> nextExpiry;
    private final boolean full;

    public SourceFigures(Kind kind, String source, long mails, long bytes, Optional<Instant> oldest, Optional<Instant> nextExpiry,
                         boolean full) {
        this.kind = kind;
        this.source = source;
        this.mails = mails;
        this.bytes = bytes;
        this.oldest = oldest;
        this.nextExpiry = nextExpiry;
        this.full = full;
    }

    public Kind kind() {
        return kind;
    }

    /** The queue name or repository URL. */
    public String source() {
        return source;
    }

    public long mails() {
        return mails;
    }

    public long bytes() {
        return bytes;
    }

    /** When the oldest mail started waiting (held since, or its last delivery attempt for a queue). */
    public Optional<Instant> oldest() {
        return oldest;
    }

    /** When the first of these mails expires (holds only). */
    public Optional<Instant> nextExpiry() {
        return nextExpiry;
    }

    /** The source takes no more mail for the node now (a hold at its maxMailsPerNode or maxBytesPerNode). */
    public boolean isFull() {
        return full;
    }
}
