package org.jamesetrn.release;

import java.util.Locale;
import java.util.Optional;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;

/**
 * Reports how the delivery attempt of a probe released from a queue ended: {@code <outcome>delivered</outcome>} in the
 * processor RemoteDelivery's {@code onSuccess} names, {@code <outcome>bounced</outcome>} before DSNBounce in its bounce
 * processor (permanent failures). The release waiting for its probe then sends the rest of the node's mail (a probe
 * deferred again is seen by its queue itself). With this mailet in the mail container, releases probe first.
 *
 * <p>Held mail needs none of this: {@code HoldDelivery} records a held mail's outcome, probe included, itself.</p>
 */
public class ReleaseOutcome extends GenericMailet {
    private final ProbeOutcomes probes;
    private ProbeOutcome outcome;

    @Inject
    public ReleaseOutcome(ProbeOutcomes probes) {
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
        return "ReleaseOutcome: the end of a released probe's delivery attempt";
    }

    @Override
    public void service(Mail mail) {
        probes.report(mail, outcome);
        mail.removeAttribute(ProbeOutcomes.PROBE); // the DSN DSNBounce builds from a bounced probe must not pass for it
    }
}
