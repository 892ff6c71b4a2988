package org.jamesetrn.odmr.provider;

import java.io.IOException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

import javax.mail.MessagingException;

import org.jamesetrn.hold.OnDemandRelease;
import org.jamesetrn.odmr.SmtpConnection;
import org.jamesetrn.odmr.SmtpReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reversed session of RFC 2645 section 5.3: after its 250 to ATRN, the provider is the SMTP client on the
 * customer's own connection (TLS, if started, stays). It reads the customer's 220, says EHLO (HELO if EHLO is
 * refused), then delivers the turn's held mail one attempt at a time, many mails on the one connection, each
 * attempt ended with the customer's per-recipient answers before the next is claimed, and says QUIT when no mail is
 * left. A connection lost midway ends the attempt in progress (its unanswered recipients stay held) and the turn:
 * what was not claimed yet was never touched.
 */
final class Turnaround {
    private static final Logger LOGGER = LoggerFactory.getLogger(Turnaround.class);

    private final SmtpConnection connection;
    private final OdmrSettings settings;
    private final ScheduledExecutorService deadlines;

    Turnaround(SmtpConnection connection, OdmrSettings settings, ScheduledExecutorService deadlines) {
        this.connection = connection;
        this.settings = settings;
        this.deadlines = deadlines;
    }

    TurnReport deliver(OnDemandRelease.Turn turn) {
        TurnReport report = new TurnReport();
        try {
            connection.timeout(settings.turnaroundTimeout());
            SmtpReply greeting = connection.readReply();
            if (greeting.code() != 220) {
                report.ended("the customer greeted with " + greeting);
                quit(report);
                return report;
            }
            Optional<Boolean> pipelining = hello();
            if (pipelining.isEmpty()) {
                report.ended("the customer refused EHLO and HELO");
                quit(report);
                return report;
            }
            MailTransaction transaction = new MailTransaction(connection, pipelining.get(),
                settings.turnaroundTimeout(), settings.turnaroundDataTimeout(), deadlines);
            Set<String> attempted = new HashSet<>();
            while (true) {
                Optional<OnDemandRelease.Attempt> next;
                try {
                    next = turn.next();
                } catch (MessagingException e) {
                    LOGGER.warn("ODMR: cannot claim the next held mail; the turnaround ends, the rest stays held", e);
                    report.ended("the hold failed: " + MailTransaction.describe(e));
                    break;
                }
                if (next.isEmpty()) {
                    report.ended("no more held mail");
                    break;
                }
                OnDemandRelease.Attempt attempt = next.get();
                if (!attempted.add(attempt.mail().getName())) {
                    // A mail refused for now stays held; handed out again in the same turn it would be tried again
                    // and again on this connection. One try per turn: the next ATRN tries it again.
                    attempt.abandon();
                    LOGGER.warn("ODMR: the hold handed out {} twice in one turn; the turnaround ends", attempt.mail().getName());
                    report.ended("no more held mail (" + attempt.mail().getName() + " handed out again)");
                    break;
                }
                MailTransaction.Result result = transaction.send(attempt.mail());
                if (result.started()) {
                    attempt.end(result.outcome());
                    report.attempted(result.outcome());
                } else {
                    attempt.abandon();
                }
                if (result.lost().isPresent()) {
                    report.ended(result.lost().get());
                    return report;
                }
            }
            quit(report);
        } catch (IOException e) {
            report.ended("connection lost: " + MailTransaction.describe(e));
        }
        return report;
    }

    /** EHLO, or HELO when EHLO is refused for good: whether the customer pipelines; empty when neither is accepted. */
    private Optional<Boolean> hello() throws IOException {
        SmtpReply ehlo = connection.send("EHLO " + settings.helloName()).readReply();
        if (ehlo.positive()) {
            boolean pipelining = ehlo.texts().stream().skip(1)
                .anyMatch(keyword -> keyword.trim().toUpperCase(Locale.US).equals("PIPELINING"));
            return Optional.of(pipelining);
        }
        if (ehlo.permanentFailure()) {
            SmtpReply helo = connection.send("HELO " + settings.helloName()).readReply();
            if (helo.positive()) {
                return Optional.of(false);
            }
        }
        return Optional.empty();
    }

    private void quit(TurnReport report) throws IOException {
        SmtpReply bye = connection.send("QUIT").readReply();
        report.ended(report.end() + "; QUIT: " + bye);
    }
}
