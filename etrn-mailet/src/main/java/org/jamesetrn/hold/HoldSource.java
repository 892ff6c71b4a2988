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
    private final ReleaseClaims claims;
    private final MailetContext mailetContext;

    HoldSource(Hold hold, String domain, ReleaseClaims claims, MailetContext mailetContext) {
        this.hold = hold;
        this.domain = domain;
        this.claims = claims;
        this.mailetContext = mailetContext;
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

    private final class HeldSelection implements Selection {
        private final List<MailKey> keys;

        HeldSelection(List<MailKey> keys) {
            this.keys = ImmutableList.copyOf(keys);
        }

        @Override
        public long count() {
            return keys.size();
        }

        @Override
        public long dispatch() throws MessagingException {
            long dispatched = 0;
            for (MailKey key : keys) {
                if (dispatch(key, Optional.empty())) {
                    dispatched++;
                }
            }
            return dispatched;
        }

        @Override
        public Optional<ProbeWatch> dispatchProbe(ProbeOutcomes.Probe probe) throws MessagingException {
            for (MailKey key : keys) {
                if (dispatch(key, Optional.of(probe))) {
                    // Its outcome comes from the mailets: ReleaseOutcome (delivered, bounced), HoldForEtrn (back).
                    return Optional.of(ProbeWatch.BLIND);
                }
            }
            return Optional.empty();
        }

        @Override
        public void abandon() {
            // nothing claimed yet
        }

        /**
         * The entry, or null when it is gone or cannot be read now. James's file repository lists a key before its
         * files are written: an entry being held at this instant is skipped (the next release takes it).
         */
        private Mail readable(MailKey key) {
            return hold.retrieve(domain, key).orElse(null);
        }

        /** Claims the entry's current generation and hands a copy to the release processor; false if not ours. */
        private boolean dispatch(MailKey key, Optional<ProbeOutcomes.Probe> probe) throws MessagingException {
            Mail mail = readable(key);
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
                if (!claims.claim(generation.get(), token)) {
                    // An attempt is under way (another release, retryEvery, a reprocess); or the mail left the hold
                    // already and this entry is a leftover of a crash or of James's reprocess: removed now.
                    if (claims.isEnded(generation.get())) {
                        HeldMail.entry(mail).ifPresent(hold::removeQuietly);
                    }
                    return false;
                }
                HeldMail.set(mail, HeldMail.CLAIM, token);
                LOGGER.debug("Held mail {} claimed by release {}", key.asString(), token);
                probe.ifPresentOrElse(p -> mail.setAttribute(ProbeOutcomes.tag(p.id())),
                    () -> mail.removeAttribute(ProbeOutcomes.PROBE));
                try {
                    mailetContext.sendMail(mail, hold.settings().releaseProcessor());
                } catch (MessagingException | RuntimeException e) {
                    claims.abandon(generation.get(), token);
                    throw e;
                }
                return true;
            } finally {
                LifecycleUtil.dispose(mail);
            }
        }
    }
}
