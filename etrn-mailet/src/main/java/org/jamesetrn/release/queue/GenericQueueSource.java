package org.jamesetrn.release.queue;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.queue.api.MailQueue.MailQueueException;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.mailet.Mail;
import org.jamesetrn.release.ItemSelection;
import org.jamesetrn.release.ProbeOutcome;
import org.jamesetrn.release.ProbeOutcomes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Release path for any other {@link ManageableMailQueue}, using only its public API: browse, remove by name, enqueue.
 *
 * <p>Correct under these assumptions, which the memory and JMS queues do not meet and so have their own paths:
 * {@code remove(Name, n)} removes atomically and returns how many mails <em>this call</em> removed, and a mail name
 * is unique in the queue. Then: releases of this engine are serialised per queue (one lock), so two releases never
 * remove the same mail; a mail is only taken when its next delivery is more than a safety margin away, so
 * RemoteDelivery cannot be dequeuing it; a mail a concurrent admin flush made due is removed by us (then re-enqueued
 * once) or already dequeued (remove returns 0, we do nothing). Names seen twice in one browse are left alone. Under
 * the lock, just before taking, the queue is read again: a name selected earlier may since be another release's
 * copy, due now, which remove by name would take for the original.</p>
 */
final class GenericQueueSource extends QueueSource {
    private static final Logger LOGGER = LoggerFactory.getLogger(GenericQueueSource.class);

    private final Duration safetyMargin;
    private final Object removeLock = new Object();

    GenericQueueSource(ManageableMailQueue queue, Duration safetyMargin) {
        super(queue);
        this.safetyMargin = safetyMargin;
    }

    @Override
    Selection select(RecipientMatch matcher) throws MailQueueException {
        return new GenericSelection(deferred(Optional.of(matcher)));
    }

    /**
     * The views of the mails due beyond the safety margin (and matching, if a matcher is given), each name seen once
     * in the whole browse.
     */
    private List<ManageableMailQueue.MailQueueItemView> deferred(Optional<RecipientMatch> matcher) throws MailQueueException {
        ZonedDateTime threshold = ZonedDateTime.now().plus(safetyMargin);
        Map<String, Integer> seen = new HashMap<>();
        List<ManageableMailQueue.MailQueueItemView> candidates = new ArrayList<>();
        ManageableMailQueue.MailQueueIterator iterator = queue.browse();
        try {
            while (iterator.hasNext()) {
                ManageableMailQueue.MailQueueItemView view = iterator.next();
                Mail mail = view.getMail();
                seen.merge(mail.getName(), 1, Integer::sum);
                Optional<ZonedDateTime> nextDelivery = view.getNextDelivery();
                if (nextDelivery.isPresent() && nextDelivery.get().isAfter(threshold)
                    && matcher.map(match -> match.matches(mail.getRecipients())).orElse(true)) {
                    candidates.add(view);
                }
            }
        } finally {
            iterator.close();
        }
        List<ManageableMailQueue.MailQueueItemView> selected = new ArrayList<>();
        for (ManageableMailQueue.MailQueueItemView view : candidates) {
            if (seen.get(view.getMail().getName()) == 1) {
                selected.add(view);
            }
        }
        return selected;
    }

    /**
     * The names still deferred now, read under the lock just before taking: a name the selection saw deferred may since
     * belong to another release's copy, due now (remove by name cannot tell them apart).
     */
    private Set<String> stillDeferred() throws MailQueueException {
        return deferred(Optional.empty()).stream()
            .map(view -> view.getMail().getName())
            .collect(Collectors.toSet());
    }

    private class GenericSelection extends ItemSelection<ManageableMailQueue.MailQueueItemView> {
        private Set<String> deferredNow = Set.of();

        GenericSelection(List<ManageableMailQueue.MailQueueItemView> selected) {
            super(selected);
        }

        @Override
        public long dispatch() throws Exception {
            synchronized (removeLock) {
                deferredNow = stillDeferred();
                return super.dispatch();
            }
        }

        @Override
        public Optional<ProbeWatch> dispatchProbe(ProbeOutcomes.Probe probe) throws Exception {
            synchronized (removeLock) {
                deferredNow = stillDeferred();
                return super.dispatchProbe(probe);
            }
        }

        @Override
        protected ProbeWatch watch(ManageableMailQueue.MailQueueItemView item, ProbeOutcomes.Probe probe) {
            return () -> deferredAgain(probe);
        }

        /** Called under the remove lock, {@link #deferredNow} just read. */
        @Override
        protected boolean dispatch(ManageableMailQueue.MailQueueItemView view, Optional<ProbeOutcomes.Probe> probe)
                throws MailQueueException {
            Mail mail = view.getMail();
            if (!deferredNow.contains(mail.getName())) {
                return false; // no longer deferred: another release's copy, or RemoteDelivery's
            }
            if (queue.remove(ManageableMailQueue.Type.Name, mail.getName()) != 1) {
                return false; // dequeued meanwhile (0): RemoteDelivery has it
            }
            Runnable undo = ReleaseMarks.apply(mail, probe);
            try {
                queue.enQueue(mail);
                LifecycleUtil.dispose(mail); // the queue holds its own copy now
                return true;
            } catch (MailQueueException | RuntimeException e) {
                undo.run();
                putBack(mail, view.getNextDelivery().orElseThrow());
                throw e;
            }
        }

        private void putBack(Mail mail, ZonedDateTime nextDelivery) throws MailQueueException {
            Duration delay = Duration.between(ZonedDateTime.now(), nextDelivery);
            try {
                queue.enQueue(mail, delay.isNegative() ? Duration.ZERO : delay);
            } catch (MailQueueException | RuntimeException e) {
                // Nothing left to try: say loudly which mail needs an admin.
                LOGGER.error("Mail {} was taken out of {} for ETRN and could not be put back", mail.getName(),
                    queue.getName().asString(), e);
                throw e;
            }
        }
    }

    /** RemoteDelivery put the probe back, deferred: the attempt failed for now. */
    private Optional<ProbeOutcome> deferredAgain(ProbeOutcomes.Probe probe) throws MailQueueException {
        ZonedDateTime now = ZonedDateTime.now();
        ManageableMailQueue.MailQueueIterator iterator = queue.browse();
        try {
            while (iterator.hasNext()) {
                ManageableMailQueue.MailQueueItemView view = iterator.next();
                if (view.getNextDelivery().map(next -> next.isAfter(now)).orElse(false)
                    && ReleaseMarks.isProbe(view.getMail(), probe)) {
                    return Optional.of(ProbeOutcome.TEMPORARY_FAILURE);
                }
            }
            return Optional.empty();
        } finally {
            iterator.close();
        }
    }
}
