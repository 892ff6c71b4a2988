package org.jamesetrn.hold;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

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
 * processor, several entries at once on the hold's dispatching threads ({@link Holds}). The entry stays in the hold
 * until the attempt ends: {@link ReleaseOutcome} removes it when the mail was delivered or bounced, {@link HoldForEtrn}
 * writes it anew when the attempt failed for now. A crash in between leaves the entry held, to be released again.
 */
final class HoldSource implements DeferredMailSource {
    private static final Logger LOGGER = LoggerFactory.getLogger(HoldSource.class);

    private final Hold hold;
    private final String domain;
    private final Executor dispatching;
    private final SpoolPace pace;

    HoldSource(Hold hold, String domain, Executor dispatching, SpoolPace pace) {
        this.hold = hold;
        this.domain = domain;
        this.dispatching = dispatching;
        this.pace = pace;
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

        /**
         * Every entry on the hold's dispatching threads, several at once: each is a read and a claim, round trips that
         * a shared store (Cassandra) serves in parallel. A failure does not stop the others; the first is thrown once
         * all were tried.
         */
        @Override
        public long dispatch() throws MessagingException {
            List<CompletableFuture<Boolean>> dispatches = new ArrayList<>(selected.size());
            for (MailKey key : selected) {
                dispatches.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return dispatch(key, Optional.empty());
                    } catch (MessagingException e) {
                        throw new CompletionException(e);
                    }
                }, dispatching));
            }
            long dispatched = 0;
            Throwable failure = null;
            for (CompletableFuture<Boolean> dispatch : dispatches) {
                try {
                    dispatched += dispatch.join() ? 1 : 0;
                } catch (CompletionException | CancellationException e) {
                    failure = failure == null ? e.getCause() : failure;
                }
            }
            if (failure != null) {
                throw new MessagingException("held mail of " + domain + ": " + dispatched + " of " + selected.size()
                    + " dispatched, then " + failure, failure instanceof Exception ? (Exception) failure : null);
            }
            return dispatched;
        }

        /** Claims the held mail and hands a copy to the release processor; false if it is not ours to send now. */
        @Override
        protected boolean dispatch(MailKey key, Optional<ProbeOutcomes.Probe> probe) throws MessagingException {
            pace.awaitRoom();
            Mail mail = hold.retrieve(domain, key).orElse(null);
            if (mail == null) {
                return false; // delivered, expired or reprocessed since the selection, or being written
            }
            try {
                Optional<HeldMail.Entry> entry = hold.entry(domain, key, mail);
                if (entry.isEmpty()) {
                    LOGGER.warn("Held mail {} in {} has no generation: not written by HoldForEtrn, left alone", key.asString(), name());
                    return false;
                }
                String generation = entry.get().generation;
                String token = UUID.randomUUID().toString();
                if (!hold.claims().claim(generation, token)) {
                    // An attempt is under way (another release, retryEvery, a reprocess); or the mail left the hold
                    // already and this entry is a leftover of a crash or of James's reprocess: removed now.
                    if (hold.claims().isEnded(generation)) {
                        hold.removeQuietly(entry.get());
                    }
                    return false;
                }
                HeldMail.locate(mail, entry.get());
                HeldMail.set(mail, HeldMail.CLAIM, token);
                LOGGER.debug("Held mail {} claimed by release {}", key.asString(), token);
                probe.ifPresentOrElse(p -> mail.setAttribute(ProbeOutcomes.tag(p.id())),
                    () -> mail.removeAttribute(ProbeOutcomes.PROBE));
                try {
                    hold.mailetContext().sendMail(mail, hold.settings().releaseProcessor());
                } catch (MessagingException | RuntimeException e) {
                    hold.claims().abandon(generation, token);
                    throw e;
                }
                return true;
            } finally {
                LifecycleUtil.dispose(mail);
            }
        }
    }
}
