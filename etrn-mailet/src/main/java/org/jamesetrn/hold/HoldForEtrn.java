package org.jamesetrn.hold;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.jamesetrn.release.ProbeOutcome;
import org.jamesetrn.release.ProbeOutcomes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds mail for ETRN: each recipient's mail waits in its node domain's own repository, {@code <root>/<domain>}, until
 * the site says {@code ETRN}, an admin releases it, {@code retryEvery} tries it, or it expires. Two uses (see
 * conf/mailetcontainer.xml): <em>hold</em>, mail for an ETRN-only site comes here instead of being tried; <em>park</em>,
 * RemoteDelivery tries once ({@code maxRetries} 0) and its bounce processor sends the temporary failures here.
 *
 * <p>A released mail whose attempt failed for now comes back here (through the release's bounce processor): it is
 * held again (expiry clock unchanged), its claim freed, and the probe it may be is reported as failed.</p>
 *
 * <p>Several domains: the recipients are grouped by domain and each group is held as its own entry, named
 * {@code <mail name>-to-<domain>} (the mail's own name when all recipients share one domain). Every recipient is held
 * exactly once; a recipient whose domain is no host name (an address literal) is not held and stays on the mail, which
 * goes on through the processor. The names are deterministic: if the spool retries the mail after a failure part-way
 * ({@code onMailetException} propagate), the entries already written are overwritten, not doubled.</p>
 */
public class HoldForEtrn extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(HoldForEtrn.class);

    private final Holds holds;
    private final ProbeOutcomes probes;
    private final Clock clock;
    private Hold hold;

    @Inject
    public HoldForEtrn(Holds holds, ProbeOutcomes probes) {
        this(holds, probes, Clock.systemUTC());
    }

    HoldForEtrn(Holds holds, ProbeOutcomes probes, Clock clock) {
        this.holds = holds;
        this.probes = probes;
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        hold = holds.register(HoldSettings.from(getMailetConfig()));
    }

    @Override
    public String getMailetInfo() {
        return "HoldForEtrn: holds mail per node domain until the site asks with ETRN";
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        Optional<HeldMail.Entry> returning = HeldMail.entry(mail).filter(entry -> entry.root.equals(hold.root()));
        if (returning.isPresent()) {
            holdAgain(mail, returning.get());
        } else {
            holdNew(mail);
        }
    }

    /**
     * A released copy back after a temporary failure: written back to the hold (same generation, same expiry clock,
     * a new key: see {@link Hold#writeAgain}), then its claim is freed, so that the next release, or a copy James's
     * reprocess sent meanwhile, may try it.
     */
    private void holdAgain(Mail mail, HeldMail.Entry entry) throws MessagingException {
        Instant since = HeldMail.since(mail).orElse(clock.instant());
        Optional<String> probe = ProbeOutcomes.probeId(mail);
        Optional<String> claim = HeldMail.string(mail, HeldMail.CLAIM); // read before a write clears it
        mail.removeAttribute(ProbeOutcomes.PROBE);
        hold.writeAgain(entry, mail, since);
        claim.ifPresent(token -> holds.claims().abandon(entry.generation, token));
        probe.ifPresent(id -> probes.report(id, ProbeOutcome.TEMPORARY_FAILURE));
        LOGGER.info("Mail {} for {} is held again after a failed attempt (held since {})", entry.key, entry.domain, since);
        mail.setState(Mail.GHOST);
    }

    private void holdNew(Mail mail) throws MessagingException {
        Map<String, List<MailAddress>> byDomain = new LinkedHashMap<>();
        List<MailAddress> notHeld = new ArrayList<>();
        for (MailAddress recipient : mail.getRecipients()) {
            Optional<String> domain = Hold.nodeDomain(recipient.getDomain().asString());
            if (domain.isPresent()) {
                byDomain.computeIfAbsent(domain.get(), any -> new ArrayList<>()).add(recipient);
            } else {
                notHeld.add(recipient);
            }
        }
        if (byDomain.isEmpty()) {
            return;
        }
        Instant since = HeldMail.since(mail).orElse(clock.instant());
        if (byDomain.size() == 1 && notHeld.isEmpty()) {
            String domain = byDomain.keySet().iterator().next();
            hold.write(domain, mail, since);
            LOGGER.info("Mail {} for {} is held for ETRN", mail.getName(), domain);
            mail.setState(Mail.GHOST);
            return;
        }
        for (Map.Entry<String, List<MailAddress>> group : byDomain.entrySet()) {
            holdCopy(mail, group.getKey(), group.getValue(), since);
        }
        if (notHeld.isEmpty()) {
            mail.setState(Mail.GHOST);
        } else {
            LOGGER.warn("Mail {}: recipients {} are not in a host-name domain and are not held", mail.getName(), notHeld);
            mail.setRecipients(notHeld);
        }
    }

    private void holdCopy(Mail mail, String domain, Collection<MailAddress> recipients, Instant since)
            throws MessagingException {
        Mail copy = mail.duplicate();
        try {
            copy.setName(mail.getName() + "-to-" + domain);
            copy.setRecipients(recipients);
            hold.write(domain, copy, since);
            LOGGER.info("Mail {} for {} is held for ETRN", copy.getName(), domain);
        } finally {
            LifecycleUtil.dispose(copy);
        }
    }
}
