package org.jamesetrn.odmr.provider;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.jamesetrn.hold.AttemptOutcome;
import org.jamesetrn.odmr.SmtpConnection;
import org.jamesetrn.odmr.SmtpReply;

import com.google.common.collect.ImmutableList;
import com.sun.mail.smtp.SMTPOutputStream;

/**
 * One held mail over the reversed connection (RFC 5321 MAIL, RCPT, DATA; RFC 2920 PIPELINING when the customer
 * offers it): the customer's reply to each recipient becomes its {@link AttemptOutcome}: 2xx after the final dot
 * delivered, 4xx refused for now, 5xx refused for good. A recipient without a final answer (the connection was lost,
 * the customer said 421) is refused for now: it stays held. The message goes out with JavaMail's own dot-stuffing
 * stream, as RemoteDelivery's does.
 */
final class MailTransaction {
    /** How one transaction ended. */
    static final class Result {
        private final AttemptOutcome outcome;
        private final boolean started;
        private final Optional<String> lost;

        private Result(AttemptOutcome outcome, boolean started, Optional<String> lost) {
            this.outcome = outcome;
            this.started = started;
            this.lost = lost;
        }

        AttemptOutcome outcome() {
            return outcome;
        }

        /** Whether MAIL FROM went out: if not, the attempt did not take place. */
        boolean started() {
            return started;
        }

        /** Why the connection cannot carry another mail; empty when it can. */
        Optional<String> lost() {
            return lost;
        }
    }

    /** The customer is closing the connection (RFC 5321 section 3.8). */
    private static final int CLOSING = 421;

    private final SmtpConnection connection;
    private final boolean pipelining;
    private final Duration timeout;
    private final Duration dataTimeout;
    private final ScheduledExecutorService deadlines;

    MailTransaction(SmtpConnection connection, boolean pipelining, Duration timeout, Duration dataTimeout,
                    ScheduledExecutorService deadlines) {
        this.connection = connection;
        this.pipelining = pipelining;
        this.timeout = timeout;
        this.dataTimeout = dataTimeout;
        this.deadlines = deadlines;
    }

    /** The transaction's state, so that a lost connection still reports what the customer answered so far. */
    private static final class Replies {
        private final List<MailAddress> recipients;
        private final AttemptOutcome.Builder outcome = AttemptOutcome.builder();
        private final List<MailAddress> decided = new ArrayList<>();
        private final List<MailAddress> accepted = new ArrayList<>();

        Replies(List<MailAddress> recipients) {
            this.recipients = recipients;
        }

        /** A refusal (4xx, 5xx, anything unexpected as for now) for these recipients. */
        void refuse(List<MailAddress> who, SmtpReply reply) {
            refuse(who, reply.permanentFailure(), reply.toString());
        }

        void refuse(List<MailAddress> who, boolean forGood, String reply) {
            if (who.isEmpty()) {
                return;
            }
            if (forGood) {
                outcome.refusedForGood(who, reply);
            } else {
                outcome.refusedForNow(who, reply);
            }
            decided.addAll(who);
        }

        void rcpt(MailAddress recipient, SmtpReply reply) {
            if (reply.positive()) {
                accepted.add(recipient);
            } else {
                refuse(ImmutableList.of(recipient), reply);
            }
        }

        void delivered() {
            outcome.delivered(accepted);
            decided.addAll(accepted);
        }

        List<MailAddress> undecided() {
            return recipients.stream().filter(recipient -> !decided.contains(recipient))
                .collect(ImmutableList.toImmutableList());
        }

        AttemptOutcome build() {
            return outcome.build();
        }
    }

    Result send(Mail mail) {
        List<MailAddress> recipients = ImmutableList.copyOf(mail.getRecipients());
        Replies replies = new Replies(recipients);
        boolean started = false;
        try {
            MimeMessage message = mail.getMessage();
            connection.timeout(timeout);
            String mailFrom = "MAIL FROM:<" + mail.getMaybeSender().asOptional().map(MailAddress::asString).orElse("") + ">";
            started = true;
            SmtpReply dataReply;
            if (pipelining) {
                connection.write(mailFrom);
                for (MailAddress recipient : recipients) {
                    connection.write("RCPT TO:<" + recipient.asString() + ">");
                }
                connection.send("DATA");
                SmtpReply mailReply = connection.readReply();
                if (!mailReply.positive()) {
                    return refusedByMailFrom(replies, mailReply, recipients.size() + 1);
                }
                for (MailAddress recipient : recipients) {
                    SmtpReply reply = connection.readReply();
                    if (reply.code() == CLOSING) {
                        return closing(replies, reply);
                    }
                    replies.rcpt(recipient, reply);
                }
                dataReply = connection.readReply();
            } else {
                SmtpReply mailReply = connection.send(mailFrom).readReply();
                if (!mailReply.positive()) {
                    return refusedByMailFrom(replies, mailReply, 0);
                }
                for (MailAddress recipient : recipients) {
                    SmtpReply reply = connection.send("RCPT TO:<" + recipient.asString() + ">").readReply();
                    if (reply.code() == CLOSING) {
                        return closing(replies, reply);
                    }
                    replies.rcpt(recipient, reply);
                }
                if (replies.accepted.isEmpty()) {
                    return reset(replies);
                }
                dataReply = connection.send("DATA").readReply();
            }
            if (dataReply.code() != 354) {
                if (dataReply.code() == CLOSING) {
                    return closing(replies, dataReply);
                }
                replies.refuse(replies.accepted, dataReply);
                return reset(replies);
            }
            if (replies.accepted.isEmpty()) {
                // PIPELINING: DATA was accepted although no recipient was (RFC 2920 section 3.1): an empty message
                // ends it, and its reply is not a delivery.
                connection.send(".").readReply();
                return reset(replies);
            }
            writeMessage(message);
            SmtpReply end = connection.timeout(dataTimeout).readReply();
            if (end.positive()) {
                replies.delivered();
            } else {
                replies.refuse(replies.accepted, end);
            }
            return new Result(replies.build(), true, end.code() == CLOSING ? Optional.of("the customer said " + end)
                : Optional.empty());
        } catch (IOException e) {
            String why = "connection lost: " + describe(e);
            replies.refuse(replies.undecided(), false, why);
            return new Result(replies.build(), started, Optional.of(why));
        } catch (MessagingException e) {
            // The message cannot be read (its store failed): what was sent of it must not become a mail, so the
            // connection is closed, and the mail stays held.
            connection.close();
            String why = "the held message could not be read: " + describe(e);
            replies.refuse(replies.undecided(), false, why);
            return new Result(replies.build(), started, Optional.of(why));
        }
    }

    /**
     * MAIL FROM refused: every recipient as the reply says. With PIPELINING, the replies to the RCPTs and DATA sent
     * with it are read (they refuse too); should DATA have been accepted anyway, an empty message ends it.
     */
    private Result refusedByMailFrom(Replies replies, SmtpReply mailReply, int pipelinedReplies) throws IOException {
        replies.refuse(replies.undecided(), mailReply);
        if (mailReply.code() == CLOSING) {
            return new Result(replies.build(), true, Optional.of("the customer said " + mailReply));
        }
        SmtpReply last = null;
        for (int i = 0; i < pipelinedReplies; i++) {
            last = connection.readReply();
        }
        if (last != null && last.code() == 354) {
            connection.send(".").readReply();
        }
        return new Result(replies.build(), true, Optional.empty());
    }

    private Result closing(Replies replies, SmtpReply reply) {
        replies.refuse(replies.undecided(), false, reply.toString());
        return new Result(replies.build(), true, Optional.of("the customer said " + reply));
    }

    /** RSET after a transaction that delivered nothing, so that the next one starts clean. */
    private Result reset(Replies replies) throws IOException {
        SmtpReply reset = connection.send("RSET").readReply();
        return new Result(replies.build(), true, reset.code() == CLOSING ? Optional.of("the customer said " + reset)
            : Optional.empty());
    }

    /**
     * The content, dot-stuffed with CRLF line ends, then the final dot. Writing blocks while the customer does not
     * read: past the data timeout the connection is closed (nothing of the message is then accepted).
     */
    private void writeMessage(MimeMessage message) throws IOException, MessagingException {
        ScheduledFuture<?> guard = deadlines.schedule(connection::close, dataTimeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            SMTPOutputStream content = new SMTPOutputStream(connection.output());
            message.writeTo(content);
            content.ensureAtBOL();
            connection.send(".");
        } finally {
            guard.cancel(false);
        }
    }

    static String describe(Exception e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
    }
}
