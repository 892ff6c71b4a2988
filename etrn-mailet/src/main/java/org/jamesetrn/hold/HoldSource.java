package org.jamesetrn.hold;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import javax.mail.MessagingException;

import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepository;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.DeferredMailSource;
import org.jamesetrn.release.ItemSelection;
import org.jamesetrn.release.ProbeOutcomes;
import org.jamesetrn.release.SourceFigures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.collect.ImmutableList;

/**
 * The held mail of one node domain. Selecting lists the repository's keys (the count is what is held, the mails whose
 * attempt is under way included); dispatching claims each entry's generation and sends a copy to the hold's release
 * processor. The entry stays in the hold until the attempt ends: {@link ReleaseOutcome} removes it when the mail was
 * delivered or bounced, {@link HoldForEtrn} writes it anew when the attempt failed for now. A crash in between leaves
 * the entry held, to be released again.
 */
final class HoldSource implements DeferredMailSource {
    private static final Logger LOGGER = LoggerFactory.getLogger(HoldSource.class);

    private final Hold hold;
    private final String domain;

    HoldSource(Hold hold, String domain) {
        this.hold = hold;
        this.domain = domain;
    }

    @Override
    public String name() {
        return hold.settings().root().subUrl(domain).asString();
    }

    @Override
    public Selection select(Node node) throws MessagingException {
        return new HeldSelection(hold.keys(domain));
    }

    @Override
    public SourceFigures figures(Node node) throws MessagingException {
        SourceFigures.Tally tally = new SourceFigures.Tally();
        for (MailKey key : hold.keys(domain)) {
            Mail mail = hold.retrieve(domain, key).orElse(null);
            if (mail != null) {
                try {
                    tally.add(mail.getMessageSize(), HeldMail.since(mail).orElse(null));
                } finally {
                    LifecycleUtil.dispose(mail);
                }
            }
        }
        return tally.of(SourceFigures.Kind.HOLD, name(), tally.oldest().map(since -> since.plus(hold.settings().expireAfter())));
    }

    private final class HeldSelection extends ItemSelection<MailKey> {
        HeldSelection(List<MailKey> keys) {
            super(keys);
        }

        /** Its outcome comes from the mailets: ReleaseOutcome (delivered, bounced), HoldForEtrn (back). */
        @Override
        protected ProbeWatch watch(MailKey key, ProbeOutcomes.Probe probe) {
            return ProbeWatch.BLIND;
        }

        /** Claims the held mail and hands a copy to the release processor; false if it is not ours to send now. */
        @Override
        protected boolean dispatch(MailKey key, Optional<ProbeOutcomes.Probe> probe) throws MessagingException {
            Mail mail = hold.retrieve(domain, key).orElse(null);
            if (mail == null) {
                return false; // delivered, expired or reprocessed since the selection, or being written
            }
            try {
                Optional<String> generation = HeldMail.string(mail, HeldMail.GENERATION);
                if (generation.isEmpty()) {
                    LOGGER.warn("Held mail {} in {} has no generation: not written by HoldForEtrn, left alone", key.asString(), name());
                    return false;
                }
                String token = UUID.randomUUID().toString();
                if (!hold.claims().claim(generation.get(), token)) {
                    // An attempt is under way (another release, retryEvery, a reprocess); or the mail left the hold
                    // already and this entry is a leftover of a crash or of James's reprocess: removed now.
                    if (hold.claims().isEnded(generation.get())) {
                        HeldMail.entry(mail).ifPresent(hold::removeQuietly);
                    }
                    return false;
                }
                HeldMail.set(mail, HeldMail.CLAIM, token);
                LOGGER.debug("Held mail {} claimed by release {}", key.asString(), token);
                probe.ifPresentOrElse(p -> mail.setAttribute(ProbeOutcomes.tag(p.id())),
                    () -> mail.removeAttribute(ProbeOutcomes.PROBE));
                try {
                    hold.mailetContext().sendMail(mail, hold.settings().releaseProcessor());
                } catch (MessagingException | RuntimeException e) {
                    hold.claims().abandon(generation.get(), token);
                    throw e;
                }
                return true;
            } finally {
                LifecycleUtil.dispose(mail);
            }
        }
    }
}
