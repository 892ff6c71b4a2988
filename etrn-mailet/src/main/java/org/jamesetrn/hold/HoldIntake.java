package org.jamesetrn.hold;

/**
 * What the SMTP server asks the hold before it accepts a recipient (RCPT TO), so that a 250 is given only to mail the
 * hold can keep: a node domain whose mail cannot be stored now (its store is down, its last write failed) is refused
 * for now, and the sender's server tries again later, instead of James accepting mail that would wait in its memory;
 * a node holding as much as its hold allows ({@code maxMailsPerNode}, {@code maxBytesPerNode}) takes no more for now.
 * Answered from what the hold already knows: no store is read on the reply path.
 */
public interface HoldIntake {
    enum Verdict {
        /** Not a held domain, or one whose mail can be stored. */
        ACCEPT,
        /** A held domain whose mail cannot be stored now: 451 4.3.0. */
        CANNOT_STORE_NOW,
        /** A held domain at its hold's maxMailsPerNode or maxBytesPerNode: 452 4.2.2. */
        NODE_FULL
    }

    /** The verdict for a recipient in this domain (as the client wrote it). */
    Verdict intake(String recipientDomain);
}
