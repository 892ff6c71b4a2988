package org.jamesetrn.release.queue;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.queue.api.MailQueue.MailQueueException;
import org.apache.james.queue.api.MailQueue.MailQueueItem;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.mailet.Mail;
import org.jamesetrn.release.ItemSelection;
import org.jamesetrn.release.ProbeOutcome;
import org.jamesetrn.release.ProbeOutcomes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Release path for James's memory queue ({@code MemoryMailQueueFactory.MemoryCacheableMailQueue}).
 *
 * <p>Its {@code remove(type, value)} reports the items it matched, not those it removed, so two concurrent
 * removers both believe they own a mail. This path takes ownership of each item through the queue's own
 * {@code DelayQueue.remove(item)}, which is atomic and true for exactly one caller among releases, RemoteDelivery's
 * dequeue ({@code take}), {@code flush}, {@code remove} and {@code clear}. Only the owner re-enqueues the mail, as a
 * new item due now around the same Mail object (no content copy); if that fails the very item (same mail, same next
 * delivery) goes back into the queue.</p>
 *
 * <p>The {@code DelayQueue} is a private field, reached by reflection and by name only, so the engine loads on
 * servers without the memory queue: this class is used only once the engine recognised the queue.</p>
 */
final class MemoryQueueSource extends QueueSource {
    private static final String ITEMS_FIELD = "mailItems";
    private static final String ITEM_CLASS = "org.apache.james.queue.memory.MemoryMailQueueFactory$MemoryMailQueueItem";
    private static final Logger LOGGER = LoggerFactory.getLogger(MemoryQueueSource.class);

    private final DelayQueue<Delayed> mailItems;
    private final Optional<ItemFactory> items;

    @SuppressWarnings("unchecked")
    MemoryQueueSource(ManageableMailQueue queue) {
        super(queue);
        try {
            Field field = QueueClasses.declaredField(queue.getClass(), ITEMS_FIELD);
            field.setAccessible(true);
            this.mailItems = (DelayQueue<Delayed>) field.get(queue);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("memory queue " + queue.getName().asString() + " has no usable " + ITEMS_FIELD, e);
        }
        this.items = ItemFactory.of(queue);
    }

    /**
     * Builds the queue's own item (MemoryMailQueueItem) due now around a mail we own, skipping the content copy
     * {@code enQueue} makes: most of a release's cost. Absent if this James version's classes differ; then
     * {@code enQueue} is used.
     */
    private static final class ItemFactory {
        static Optional<ItemFactory> of(ManageableMailQueue queue) {
            try {
                Field clockField = QueueClasses.declaredField(queue.getClass(), "clock");
                clockField.setAccessible(true);
                Clock clock = (Clock) clockField.get(queue);
                Class<?> itemClass = Class.forName(ITEM_CLASS, false, queue.getClass().getClassLoader());
                Constructor<?> constructor = itemClass.getConstructor(Mail.class, queue.getClass(), Clock.class, ZonedDateTime.class);
                return Optional.of(new ItemFactory(queue, clock, constructor));
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOGGER.info("Memory queue items cannot be built directly; releases copy each mail", e);
                return Optional.empty();
            }
        }

        private final ManageableMailQueue queue;
        private final Clock clock;
        private final Constructor<?> constructor;

        private ItemFactory(ManageableMailQueue queue, Clock clock, Constructor<?> constructor) {
            this.queue = queue;
            this.clock = clock;
            this.constructor = constructor;
        }

        Delayed dueNow(Mail mail) throws ReflectiveOperationException {
            return (Delayed) constructor.newInstance(mail, queue, clock, ZonedDateTime.now(clock));
        }
    }

    @Override
    Selection select(RecipientMatch matcher) {
        List<Delayed> selected = new ArrayList<>();
        // The iterator works on a snapshot: no lock is held while matching.
        for (Delayed item : mailItems) {
            Mail mail = ((MailQueueItem) item).getMail();
            if (matcher.matches(mail.getRecipients()) && item.getDelay(TimeUnit.MILLISECONDS) > 0) {
                selected.add(item);
            }
        }
        return new MemorySelection(selected);
    }

    private class MemorySelection extends ItemSelection<Delayed> {
        MemorySelection(List<Delayed> selected) {
            super(selected);
        }

        @Override
        protected ProbeWatch watch(Delayed item, ProbeOutcomes.Probe probe) {
            return () -> deferredAgain(probe);
        }

        /** Takes the item if nobody else did since the selection, and puts its mail back due now. */
        @Override
        protected boolean dispatch(Delayed item, Optional<ProbeOutcomes.Probe> probe) throws MailQueueException {
            if (!mailItems.remove(item)) {
                return false; // dequeued, flushed, removed or released by someone else since selection: theirs now
            }
            Mail mail = ((MailQueueItem) item).getMail();
            Runnable undo = ReleaseMarks.apply(mail, probe);
            try {
                if (items.isPresent()) {
                    mailItems.put(items.get().dueNow(mail)); // the same Mail, now due: never fails
                } else {
                    queue.enQueue(mail); // enqueues a copy; throws before anything is queued
                    LifecycleUtil.dispose(mail); // the queue holds its own copy now
                }
                return true;
            } catch (ReflectiveOperationException e) {
                undo.run();
                mailItems.add(item);
                throw new MailQueueException("Unable to release " + mail.getName(), e);
            } catch (MailQueueException | RuntimeException e) {
                undo.run();
                mailItems.add(item);
                LOGGER.warn("Could not release {}; it stays deferred", mail.getName(), e);
                throw e;
            }
        }
    }

    /** RemoteDelivery put the probe back, deferred: the attempt failed for now. */
    private Optional<ProbeOutcome> deferredAgain(ProbeOutcomes.Probe probe) {
        for (Delayed item : mailItems) {
            if (item.getDelay(TimeUnit.MILLISECONDS) > 0 && ReleaseMarks.isProbe(((MailQueueItem) item).getMail(), probe)) {
                return Optional.of(ProbeOutcome.TEMPORARY_FAILURE);
            }
        }
        return Optional.empty();
    }
}
