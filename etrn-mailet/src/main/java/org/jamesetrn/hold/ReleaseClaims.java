package org.jamesetrn.hold;

/**
 * Who may end a held entry's generation: a delivery attempt or an expiry must claim the generation first, and only
 * one claim wins. This is what makes a held mail leave the hold exactly once while ETRN, {@code retryEvery}, expiry,
 * a concurrent release on another thread and James's WebAdmin reprocess of the hold repository race.
 *
 * <p>A claim lasts {@code release.claim.timeout}: an attempt that leaves no trace (the server died with the copy in
 * a memory queue, RemoteDelivery dropped a null-sender mail) frees the entry again after that time. An ended claim
 * stays as a tombstone for the same time, so that a late duplicate copy of a mail that left the hold is still
 * refused.</p>
 */
public interface ReleaseClaims {
    /** Claims {@code generation} for {@code token}; true when this call won (nobody holds a live claim on it). */
    boolean claim(String generation, String token);

    /** Whether the live claim on {@code generation} is {@code token}'s. */
    boolean isHeldBy(String generation, String token);

    /** Whether the held mail left the hold for good (its claim ended and still remembered). */
    boolean isEnded(String generation);

    /** The held mail left the hold for good (delivered, bounced, expired): nobody may claim it again. */
    void end(String generation);

    /** The attempt failed for now, or never started: frees the generation if {@code token} holds it. */
    void abandon(String generation, String token);
}
