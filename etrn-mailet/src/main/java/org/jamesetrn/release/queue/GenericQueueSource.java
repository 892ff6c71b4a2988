package org.jamesetrn.release.queue;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.queue.api.MailQueue.MailQueueException;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.mailet.Mail;
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
 * once) or already dequeued (remove returns 0, we do nothing). Names seen twice in one browse are left alone.</p>
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
                if (nextDelivery.isPresent() && nextDelivery.get().isAfter(threshold) && matcher.matches(mail.getRecipients())) {
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
        return new GenericSelection(selected);
    }

    private class GenericSelection extends SelectedItems<ManageableMailQueue.MailQueueItemView> {
        GenericSelection(List<ManageableMailQueue.MailQueueItemView> selected) {
            super(selected);
        }

        @Override
        public long dispatch() throws MailQueueException {
            long released = 0;
            for (ManageableMailQueue.MailQueueItemView view : selected) {
                if (release(view, Optional.empty())) {
                    released++;
                }
            }
            return released;
        }

        @Override
        public Optional<ProbeWatch> dispatchProbe(ProbeOutcomes.Probe probe) throws MailQueueException {
            for (ManageableMailQueue.MailQueueItemView view : selected) {
                if (release(view, Optional.of(probe))) {
                    return Optional.of(() -> deferredAgain(probe));
                }
            }
            return Optional.empty();
        }

        private boolean release(ManageableMailQueue.MailQueueItemView view, Optional<ProbeOutcomes.Probe> probe)
                throws MailQueueException {
            synchronized (removeLock) {
                Mail mail = view.getMail();
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
