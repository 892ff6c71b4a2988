package org.jamesetrn.hold;

import java.util.Collection;
import java.util.Optional;

import javax.mail.MessagingException;

import org.apache.mailet.Mail;

/**
 * The hold as On-Demand Mail Relay (RFC 2645, ATRN) sees it: the held mail of a customer's domains, delivered over the
 * customer's own connection instead of to its MX. The same entries as ETRN releases, under the same claims (one
 * attempt at a time per held mail, whoever asks: ETRN, ATRN, {@code retryEvery}, another server), with the same
 * per-recipient accounting: delivered recipients leave the hold, those refused for now stay (expiry clock unchanged),
 * those refused for good get a DSN and leave.
 *
 * <p>Domains are node domains as the hold keeps them (lower case host names); a domain with nothing held is simply
 * empty.</p>
 */
public interface OnDemandRelease {
    /** How many held mails (entries) wait for these domains now, in every hold: 0 means ATRN answers 453. */
    long waiting(Collection<String> domains) throws MessagingException;

    /** Starts one turn: the held mail of these domains, handed out one attempt at a time by {@link Turn#next}. */
    Turn open(Collection<String> domains) throws MessagingException;

    /** One ATRN session's access to the hold. Close it when the session ends, whatever happened. */
    interface Turn extends AutoCloseable {
        /**
         * Claims the next held mail of the turn's domains and hands it out; empty when none is left that nobody else
         * is delivering. Its claim is renewed while the attempt is open.
         */
        Optional<Attempt> next() throws MessagingException;

        /** Gives back every attempt not ended: their mail stays held, untouched, for the next release. */
        @Override
        void close();
    }

    /** One delivery attempt of one held mail over the customer's connection. */
    interface Attempt {
        /** The mail to send: its sender, the recipients still held (one domain), its message. Read only. */
        Mail mail();

        /**
         * Records how the attempt ended, per recipient (recipients it does not name stay held): retried until stored;
         * until then the mail is neither released again nor expired. Then the claim is given up.
         */
        void end(AttemptOutcome outcome);

        /** The attempt did not take place (the connection was lost before MAIL FROM): the mail stays held, untouched. */
        void abandon();
    }
}
