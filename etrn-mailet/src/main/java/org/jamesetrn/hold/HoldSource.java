package org.jamesetrn.hold;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

import javax.mail.MessagingException;

import org.apache.james.mailrepository.api.MailKey;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.DeferredMailSource;
import org.jamesetrn.release.ItemSelection;
import org.jamesetrn.release.ProbeOutcomes;
import org.jamesetrn.release.SourceFigures;

/**
 * The held mail of one node domain. Selecting lists the repository's keys (the count is what is held, the mails whose
 * attempt is under way included); dispatching claims each entry and sends its copy to the hold's release processor,
 * several entries at once on the hold's dispatching threads ({@link Holds}). The entry stays in the hold until the
 * attempt's outcome is recorded ({@link Holds#ended}); a crash in between leaves it held, to be released again.
 */
final class HoldSource implements DeferredMailSource {
    private final Hold hold;
    private final String domain;
    private final Executor dispatching;

    HoldSource(Hold hold, String domain, Executor dispatching) {
        this.hold = hold;
        this.domain = domain;
        this.dispatching = dispatching;
    }

    @Override
    public String name() {
        return hold.settings().root().subUrl(domain).asString();
    }

    @Override
    public Selection select(Node node) throws MessagingException {
        return new HeldSelection(hold.keys(domain));
    }

    /** From the hold's counts: nothing is read. */
    @Override
    public SourceFigures figures(Node node) {
        HeldCounts.Counts held = hold.counts(domain);
        return new SourceFigures(SourceFigures.Kind.HOLD, name(), held.mails, held.bytes, held.oldest(),
            held.oldest().map(since -> since.plus(hold.settings().expireAfter())), hold.isFull(domain));
    }

    private final class HeldSelection extends ItemSelection<MailKey> {
        HeldSelection(List<MailKey> keys) {
            super(keys);
        }

        /** Its outcome is reported when the attempt's outcome is recorded (Holds#ended). */
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

        /** Claims the entry and hands its copy to the release processor; false if it is not ours to send now. */
        @Override
        protected boolean dispatch(MailKey key, Optional<ProbeOutcomes.Probe> probe) throws MessagingException {
            return hold.take(domain, key, copy -> {
                probe.ifPresent(p -> copy.setAttribute(ProbeOutcomes.tag(p.id())));
                hold.mailetContext().sendMail(copy, hold.settings().releaseProcessor());
            }).isPresent();
        }
    }
}
