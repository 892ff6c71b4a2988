package org.jamesetrn.hold;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
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
 * attempt is under way included); dispatching claims each entry and hands its copy to the hold's release processor,
 * several entries at once on the hold's dispatching threads, which run the processor ({@link Holds}). The entry stays
 * in the hold until the attempt's outcome is recorded ({@link Holds#ended}); a crash in between leaves it held, to be
 * released again.
 */
final class HoldSource implements DeferredMailSource {
    private final Hold hold;
    private final String domain;
    private final Executor dispatching;
    private final Hold.HandOut toReleaseProcessor;

    HoldSource(Hold hold, String domain, Executor dispatching, Hold.HandOut toReleaseProcessor) {
        this.hold = hold;
        this.domain = domain;
        this.dispatching = dispatching;
        this.toReleaseProcessor = toReleaseProcessor;
    }

    @Override
    public String name() {
        return hold.settings().root().subUrl(domain).asString();
    }

    @Override
    public Selection select(Node node) throws MessagingException {
        return new HeldSelection(hold.keys(domain));
    }

    /**
     * No mail is read: the number of mails is the repository's own count (James's repositories keep one: on a
     * cluster it includes what the other servers held), bytes and the oldest expiry clock the hold's counts (on a
     * cluster at most one retention pass behind the other servers). An empty repository shows nothing held, whatever
     * the counts say (James's WebAdmin may have emptied it since).
     */
    @Override
    public SourceFigures figures(Node node) throws MessagingException {
        long mails = hold.repository(domain).size();
        HeldCounts.Counts held = mails == 0 ? HeldCounts.Counts.NONE : hold.counts(domain);
        return new SourceFigures(SourceFigures.Kind.HOLD, name(), mails, held.bytes,
            held.oldest(), held.oldest().map(since -> since.plus(hold.settings().expireAfter())), hold.isFull(domain));
    }

    private final class HeldSelection extends ItemSelection<MailKey> {
        /** The generation each key was dispatched under, for the probe's watch. */
        private final Map<MailKey, String> sent = new ConcurrentHashMap<>();

        HeldSelection(List<MailKey> keys) {
            super(keys);
        }

        /**
         * Its outcome is reported where the attempt's outcome is recorded; on another server of a cluster (which took
         * the copy from the shared queue) that report stays there, so the verdict the ended claim keeps is looked at too.
         */
        @Override
        protected ProbeWatch watch(MailKey key, ProbeOutcomes.Probe probe) {
            String generation = sent.get(key);
            return generation == null ? ProbeWatch.BLIND : () -> hold.claims().verdict(generation);
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
            Optional<HeldEntry.Copy> copy = hold.take(domain, key, mail -> {
                probe.ifPresent(p -> mail.setAttribute(ProbeOutcomes.tag(p.id())));
                toReleaseProcessor.accept(mail);
            });
            copy.ifPresent(taken -> sent.put(key, taken.entry.generation()));
            return copy.isPresent();
        }
    }
}
