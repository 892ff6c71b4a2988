package org.jamesetrn.hold;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.jamesetrn.node.NodeSyntax;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds mail for ETRN: each recipient's mail waits in its node domain's own repository, {@code <root>/<domain>}, until
 * the site says {@code ETRN} (or {@code ATRN}), an admin releases it, {@code retryEvery} tries it, or it expires. Two
 * uses (see conf/mailetcontainer.xml): <em>hold</em>, mail for an ETRN-only site comes here instead of being tried;
 * <em>park</em>, {@link HoldDelivery} tries once and its bounce processor sends the temporary failures here.
 *
 * <p>The recipients are grouped by domain and each group becomes one {@link HeldEntry}: every recipient is held
 * exactly once. A recipient whose domain is no host name (an address literal) cannot be held: it stays on the mail,
 * which goes on to the next mailet of the processor (the shipped conf sends it to a RemoteDelivery with retries).</p>
 *
 * <p>A mail the hold cannot write now (a full disk, a cluster's Cassandra unreachable) waits {@value #RETRY_SECONDS} s
 * in the spool and comes back, as often as needed; meanwhile RCPT TO for its domain is answered 451 ({@link
 * HoldIntake}). The mail waiting in the spool says which of its domains were written already: they are not written
 * again (they may have been delivered meanwhile). Holding the same mail again all the same (after a crash part-way)
 * writes the same entries: their generation is derived from the mail's name and the domain.</p>
 */
public class HoldForEtrn extends GenericMailet {
    /** A mail that cannot be written to the hold now is tried again after this long. */
    static final int RETRY_SECONDS = 10;
    private static final Logger LOGGER = LoggerFactory.getLogger(HoldForEtrn.class);

    private final Holds holds;
    private final Clock clock;
    private Hold hold;

    @Inject
    public HoldForEtrn(Holds holds) {
        this(holds, Clock.systemUTC());
    }

    HoldForEtrn(Holds holds, Clock clock) {
        this.holds = holds;
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
        if (HeldEntry.isHeldMail(mail)) {
            // A copy of a held mail, sent here by a release processor without HoldDelivery (a stock RemoteDelivery whose
            // bounce processor leads here): its entry is still in the hold, which releases it again.
            LOGGER.error("A copy of held mail {} reached HoldForEtrn: the hold's release processor must deliver with "
                + "org.jamesetrn.hold.HoldDelivery (conf/mailetcontainer.xml); the copy is dropped, its entry stays held",
                mail.getName());
            mail.setState(Mail.GHOST);
            return;
        }
        Map<String, List<MailAddress>> byDomain = new LinkedHashMap<>();
        List<MailAddress> notHeld = new ArrayList<>();
        for (MailAddress recipient : mail.getRecipients()) {
            Optional<String> domain = NodeSyntax.hostName(recipient.getDomain().asString());
            if (domain.isPresent()) {
                byDomain.computeIfAbsent(domain.get(), any -> new ArrayList<>()).add(recipient);
            } else {
                notHeld.add(recipient);
            }
        }
        if (byDomain.isEmpty()) {
            return;
        }
        Instant since = clock.instant();
        Set<String> written = new LinkedHashSet<>(HeldEntry.written(mail));
        try {
            for (Map.Entry<String, List<MailAddress>> group : byDomain.entrySet()) {
                if (written.contains(group.getKey())) {
                    continue; // written before this mail's storage failure part-way: perhaps delivered since
                }
                HeldEntry entry = HeldEntry.held(hold.root(), group.getKey(), mail.getName(), group.getValue(), since);
                hold.store(entry, mail);
                written.add(group.getKey());
                LOGGER.info("Mail {} for {} is held for ETRN ({})", mail.getName(), group.getKey(), entry.generation());
            }
        } catch (MessagingException | RuntimeException e) {
            // The hold cannot be written now: the mail waits in the spool and comes back here, for as long as it takes
            // (the spool's own retries would give up after five immediate attempts and leave it in the error repository).
            LOGGER.warn("Mail {} cannot be held now, tried again in {} s: {}", mail.getName(), RETRY_SECONDS, e.toString());
            HeldEntry.markWritten(mail, written);
            getMailetContext().sendMail(mail, mail.getState(), RETRY_SECONDS, TimeUnit.SECONDS);
            mail.setState(Mail.GHOST);
            return;
        }
        if (notHeld.isEmpty()) {
            mail.setState(Mail.GHOST);
        } else {
            LOGGER.warn("Mail {}: recipients {} are not in a host-name domain and cannot be held: they go on through the "
                + "processor", mail.getName(), notHeld);
            mail.setRecipients(notHeld);
        }
    }
}
