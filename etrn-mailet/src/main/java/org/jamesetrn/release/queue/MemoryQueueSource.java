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
 * <p>James publishes no API for either step, so this path reaches three private members of the 3.8.1 queue by
 * reflection: the {@code mailItems} DelayQueue, the queue's {@code clock} and the item class's constructor.
 * {@link #checkSupported} verifies them when James loads the extension and stops James with a message naming the
 * class and its James version if they are not there; the names are only looked up, so the engine loads on servers
 * without the memory queue.</p>
 */
final class MemoryQueueSource extends QueueSource {
    private static final Logger LOGGER = LoggerFactory.getLogger(MemoryQueueSource.class);

    private final DelayQueue<Delayed> mailItems;
    private final Clock clock;
    private final Constructor<?> itemConstructor;

    MemoryQueueSource(ManageableMailQueue queue) {
        super(queue);
        Internals internals = Internals.of(queue.getClass());
        try {
            this.mailItems = internals.mailItems(queue);
            this.clock = internals.clock(queue);
        } catch (IllegalAccessException e) {
            throw QueueClasses.unsupported(queue.getClass(), "does not let its private members be read", e);
        }
        this.itemConstructor = internals.itemConstructor;
    }

    /** At start-up: fails, naming the class and its James version, unless this path can work on that queue class. */
    static void checkSupported(Class<?> queueClass) {
        Internals.of(queueClass);
    }

    /** The private members of James 3.8.1's memory queue this path relies on. */
    private static final class Internals {
        private final Field mailItems;
        private final Field clock;
        private final Constructor<?> itemConstructor;

        private Internals(Field mailItems, Field clock, Constructor<?> itemConstructor) {
            this.mailItems = mailItems;
            this.clock = clock;
            this.itemConstructor = itemConstructor;
        }

        static Internals of(Class<?> queueClass) {
            Field mailItems = field(queueClass, "mailItems", DelayQueue.class);
            Field clock = field(queueClass, "clock", Clock.class);
            try {
                Class<?> itemClass = Class.forName(QueueClasses.MEMORY_ITEM, false, queueClass.getClassLoader());
                Constructor<?> constructor = itemClass.getConstructor(Mail.class, queueClass, Clock.class, ZonedDateTime.class);
                mailItems.setAccessible(true);
                clock.setAccessible(true);
                return new Internals(mailItems, clock, constructor);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw QueueClasses.unsupported(queueClass, "has no public constructor " + QueueClasses.MEMORY_ITEM
                    + "(Mail, " + queueClass.getSimpleName() + ", Clock, ZonedDateTime), or its members cannot be opened", e);
            }
        }

        private static Field field(Class<?> queueClass, String name, Class<?> type) {
            try {
                Field field = QueueClasses.declaredField(queueClass, name);
                if (!type.isAssignableFrom(field.getType())) {
                    throw QueueClasses.unsupported(queueClass, "has a field '" + name + "' of type "
                        + field.getType().getName() + ", not " + type.getName(), null);
                }
                return field;
            } catch (NoSuchFieldException e) {
                throw QueueClasses.unsupported(queueClass, "has no field '" + name + "' of type " + type.getName(), e);
            }
        }

        @SuppressWarnings("unchecked")
        DelayQueue<Delayed> mailItems(ManageableMailQueue queue) throws IllegalAccessException {
            return (DelayQueue<Delayed>) mailItems.get(queue);
        }

        Clock clock(ManageableMailQueue queue) throws IllegalAccessException {
            return (Clock) clock.get(queue);
        }
    }

    /** The queue's own item around a mail we own, due now: skips the content copy {@code enQueue} makes. */
    private Delayed dueNow(Mail mail) throws ReflectiveOperationException {
        return (Delayed) itemConstructor.newInstance(mail, queue, clock, ZonedDateTime.now(clock));
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
                mailItems.put(dueNow(mail)); // the same Mail, now due: never fails once built
                return true;
            } catch (ReflectiveOperationException | RuntimeException e) {
                undo.run();
                mailItems.add(item);
                LOGGER.warn("Could not release {}; it stays deferred", mail.getName(), e);
                throw new MailQueueException("Unable to release " + mail.getName(), e);
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
