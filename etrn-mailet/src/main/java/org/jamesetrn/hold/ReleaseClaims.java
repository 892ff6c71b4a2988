package org.jamesetrn.hold;

import java.time.Duration;
import java.util.Optional;

import org.jamesetrn.release.ProbeOutcome;

/**
 * Who may end a held entry's generation: a delivery attempt or an expiry must claim the generation first, and only
 * one claim wins. This is what makes a held mail leave the hold exactly once while ETRN, {@code retryEvery}, expiry,
 * a concurrent release on another thread and James's WebAdmin reprocess of the hold repository race.
 *
 * <p>A claim is a lease: it lasts {@code release.claim.timeout} from its last renewal. The server carrying a copy in
 * flight renews it every third of that time ({@link Leases}), for as long as the attempt takes; a server that dies
 * stops renewing, and its claims lapse, so that another server (or this one, restarted) may release the mail again.
 * An ended claim stays as a tombstone ({@link #TOMBSTONE}), so that a late duplicate copy of a mail that left the hold is
 * refused at once (after that, the entry being gone from the hold says the same).</p>
 */
public interface ReleaseClaims {
    /**
     * The least time an ended claim is remembered (its tombstone; longer when {@code release.claim.timeout} is): longer
     * than the hold's retention may leave between two passes reading a domain in full ({@link HoldRetention#FULL_PASS}),
     * which remove an entry a crash left between its claim's end and its removal. A leftover met after its tombstone
     * is gone would be released again: a second delivery.
     */
    Duration TOMBSTONE = Duration.ofHours(2);

    /** How long a tombstone lasts with claims of this {@code timeout}. */
    static Duration tombstone(Duration timeout) {
        return timeout.compareTo(TOMBSTONE) > 0 ? timeout : TOMBSTONE;
    }

    /** Claims {@code generation} for {@code token}; true when this call won (nobody holds a live claim on it). */
    boolean claim(String generation, String token);

    /**
     * Extends {@code token}'s live claim on {@code generation} by another timeout; false when {@code token} does not
     * hold it any more (it lapsed and another claim won, or it ended).
     */
    boolean renew(String generation, String token);

    /**
     * Moves {@code from}'s live claim on {@code generation} to {@code to}, with a full timeout, in one step (compare and
     * set); false when {@code from} does not hold it (it lapsed, ended, or was moved on already). How a copy beginning
     * its delivery attempt makes the attempt its own: a second copy of the same attempt, still carrying {@code from},
     * can no longer go, on any server.
     */
    boolean handOver(String generation, String from, String to);

    /** Whether the live claim on {@code generation} is {@code token}'s. */
    boolean isHeldBy(String generation, String token);

    /** Whether the held mail left the hold for good (its claim ended and still remembered). */
    boolean isEnded(String generation);

    /** The held mail left the hold for good (delivered, bounced, expired): nobody may claim it again. */
    void end(String generation);

    /**
     * The same, for an attempt whose outcome was recorded: the verdict is kept with the tombstone, so that the server
     * whose release sent the copy as its probe learns it, whichever server delivered it.
     */
    void end(String generation, ProbeOutcome verdict);

    /** The verdict an ended attempt left; empty while it is not ended, or ended without one. */
    Optional<ProbeOutcome> verdict(String generation);

    /** The attempt failed for now, or never started: frees the generation if {@code token} holds it. */
    void abandon(String generation, String token);
}
