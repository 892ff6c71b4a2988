package org.jamesetrn.hold;

import java.util.Locale;
import java.util.Optional;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.jamesetrn.release.ProbeOutcome;
import org.jamesetrn.release.ProbeOutcomes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records how a delivery attempt ended, for the mail released by ETRN: {@code <outcome>delivered</outcome>} in the
 * processor RemoteDelivery's {@code onSuccess} names, {@code <outcome>bounced</outcome>} before DSNBounce in its bounce
 * processor (permanent failures). A held mail leaves its hold (its entry is removed, its claim ended); a probe reports
 * its outcome to the release waiting for it. The mail then goes on without the hold's attributes: end the delivered
 * processor with {@code Null}, let the bounce processor's DSNBounce follow. With this mailet in the mail container, releases probe
 * first.
 */
public class ReleaseOutcome extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(ReleaseOutcome.class);

    private final Holds holds;
    private final ProbeOutcomes probes;
    private ProbeOutcome outcome;

    @Inject
    public ReleaseOutcome(Holds holds, ProbeOutcomes probes) {
        this.holds = holds;
        this.probes = probes;
    }

    @Override
    public void init() throws MessagingException {
        String value = Optional.ofNullable(getInitParameter("outcome")).orElse("").trim().toLowerCase(Locale.US);
        switch (value) {
            case "delivered":
                outcome = ProbeOutcome.DELIVERED;
                probes.markReportingWired();
                break;
            case "bounced":
                outcome = ProbeOutcome.BOUNCED;
                break;
            default:
                throw new MessagingException("ReleaseOutcome: <outcome> is 'delivered' (after RemoteDelivery's onSuccess) "
                    + "or 'bounced' (its bounce processor), not '" + value + "'");
        }
    }

    @Override
    public String getMailetInfo() {
        return "ReleaseOutcome: the end of a released mail's delivery attempt";
    }

    @Override
    public void service(Mail mail) {
        try {
            leaveHold(mail);
        } catch (MessagingException | RuntimeException e) {
            // Never thrown on: the mail was delivered (or bounced); the error processor would bounce it again.
            LOGGER.error("Held mail {} was {} but its entry could not leave the hold; its claim keeps it from being "
                + "released again until release.claim.timeout", HeldMail.string(mail, HeldMail.KEY).orElse(mail.getName()),
                outcome == ProbeOutcome.DELIVERED ? "delivered" : "bounced", e);
        } finally {
            // After the entry left: the rest of the release then no longer finds the probe in the hold.
            probes.report(mail, outcome);
            HeldMail.strip(mail); // the DSN DSNBounce builds from a bounced mail must not pass for it
        }
    }

    private void leaveHold(Mail mail) throws MessagingException {
        Optional<HeldMail.Entry> entry = HeldMail.entry(mail);
        if (entry.isEmpty()) {
            return;
        }
        Optional<Hold> hold = holds.find(entry.get().root);
        if (hold.isEmpty()) {
            LOGGER.warn("Held mail {} {}, but its hold {} is not declared here: its entry stays", entry.get().key,
                outcome.name().toLowerCase(Locale.US), entry.get().root);
            return;
        }
        // Ended first: from now on any other copy of this mail is dropped, even while the entry is being removed.
        holds.claims().end(entry.get().generation);
        hold.get().removeIf(entry.get());
        LOGGER.info("Held mail {} for {} was {}: it leaves the hold", entry.get().key, entry.get().domain,
            outcome == ProbeOutcome.DELIVERED ? "delivered" : "bounced");
    }
}
