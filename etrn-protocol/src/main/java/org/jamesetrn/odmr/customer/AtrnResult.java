package org.jamesetrn.odmr.customer;

import java.util.Optional;

import org.jamesetrn.odmr.Printable;

/**
 * What one ATRN session gave the customer: the provider's reply to ATRN (or to the step that failed before it), why
 * there was none, and for a turnaround the mails this James's SMTP server accepted and refused over it.
 */
public final class AtrnResult {
    public enum Outcome {
        /** 250, then the provider delivered and said QUIT: every mail it had came (or was answered). */
        TURNED_AROUND,
        /** 250, but the turnaround ended before QUIT: what was not delivered stays at the provider. */
        CUT,
        /** 453: nothing held for these domains. */
        NO_MAIL,
        /** 450, 451, another 4xx (the provider refuses for now: too frequent, busy, temporary failure). */
        DEFERRED,
        /** 530, 535, a 5xx, STARTTLS required but missing or failed. */
        REFUSED,
        /** The provider's EHLO lists no ATRN, or no AUTH CRAM-MD5. */
        NOT_OFFERED,
        /** No connection, a timeout, the connection lost before the reply to ATRN, this James's SMTP server down. */
        UNREACHABLE
    }

    static AtrnResult replied(Outcome outcome, String reply) {
        return new AtrnResult(outcome, Optional.of(Printable.clean(reply)), "", 0, 0);
    }

    /** Nowhere to put the mail: no ATRN is sent. */
    public static AtrnResult unreachable(String reason) {
        return failed(Outcome.UNREACHABLE, reason);
    }

    static AtrnResult failed(Outcome outcome, String reason) {
        return new AtrnResult(outcome, Optional.empty(), Printable.clean(reason), 0, 0);
    }

    static AtrnResult turnaround(String reply, Transcript transcript, Optional<String> cut) {
        return new AtrnResult(cut.isPresent() ? Outcome.CUT : Outcome.TURNED_AROUND, Optional.of(Printable.clean(reply)),
            Printable.clean(cut.orElse("")), transcript.accepted(), transcript.refused());
    }

    private final Outcome outcome;
    private final Optional<String> reply;
    private final String reason;
    private final long accepted;
    private final long refused;

    private AtrnResult(Outcome outcome, Optional<String> reply, String reason, long accepted, long refused) {
        this.outcome = outcome;
        this.reply = reply;
        this.reason = reason;
        this.accepted = accepted;
        this.refused = refused;
    }

    public Outcome outcome() {
        return outcome;
    }

    /** The provider's reply to ATRN, or to the step that ended the session (lines joined by " / "). */
    public Optional<String> reply() {
        return reply;
    }

    /** Why the session ended without a reply, or how a turnaround was cut; empty otherwise. */
    public String reason() {
        return reason;
    }

    /** Mails this James's SMTP server accepted (250 to the final dot) during the turnaround. */
    public long accepted() {
        return accepted;
    }

    /** Mails it refused at the final dot. */
    public long refused() {
        return refused;
    }

    @Override
    public String toString() {
        return outcome + reply.map(text -> " " + text).orElse("") + (reason.isEmpty() ? "" : " (" + reason + ")")
            + ", " + accepted + " accepted, " + refused + " refused";
    }
}
