package org.jamesetrn.hold;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one hold keeps per node domain: how many mails, how many bytes, the oldest's expiry clock. Kept as entries are
 * stored and removed on this server, and counted again from the store by every retention pass (which reads every
 * entry anyway): exact on one server, on a cluster at most one retention period behind what the other servers wrote.
 * So {@code GET /etrn/{node}} and the node limits read no mail.
 */
final class HeldCounts {
    /** A domain's counts. */
    static final class Counts {
        static final Counts NONE = new Counts(0, 0, null);

        final long mails;
        final long bytes;
        private final Instant oldest;

        Counts(long mails, long bytes, Instant oldest) {
            this.mails = mails;
            this.bytes = bytes;
            this.oldest = oldest;
        }

        /** The oldest held mail's expiry clock (when the last count saw it). */
        Optional<Instant> oldest() {
            return Optional.ofNullable(oldest);
        }

        Counts plus(long size, Instant since) {
            return new Counts(mails + 1, bytes + Math.max(0, size),
                oldest == null || since.isBefore(oldest) ? since : oldest);
        }

        Counts minus(long size) {
            return mails <= 1 ? NONE : new Counts(mails - 1, Math.max(0, bytes - Math.max(0, size)), oldest);
        }
    }

    private final Map<String, Counts> byDomain = new ConcurrentHashMap<>();

    Counts of(String domain) {
        return byDomain.getOrDefault(domain, Counts.NONE);
    }

    void stored(String domain, long size, Instant since) {
        byDomain.compute(domain, (key, counts) -> (counts == null ? Counts.NONE : counts).plus(size, since));
    }

    /** An entry left; its size if known (a leftover removed unread counts 0 bytes until the next count). */
    void removed(String domain, long size) {
        byDomain.computeIfPresent(domain, (key, counts) -> counts.minus(size));
    }

    /** The counts a retention pass found in the store. */
    void counted(String domain, Counts counts) {
        byDomain.put(domain, counts);
    }

    void forget(String domain) {
        byDomain.remove(domain);
    }
}
