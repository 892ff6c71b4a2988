package org.jamesetrn.release;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

import org.apache.james.queue.api.MailQueue.MailQueueException;
import org.apache.james.queue.api.MailQueue.MailQueueItem;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.mailet.Mail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Release path for James's memory queue ({@code MemoryMailQueueFactory.MemoryCacheableMailQueue}).
 *
 * <p>Its {@code remove(type, value)} reports the items it matched, not those it removed, so two concurrent
 * removers both believe they own a mail. This path takes ownership of each item through the queue's own
 * {@code DelayQueue.remove(item)}, which is atomic and true for exactly one caller among releases, RemoteDelivery's
 * dequeue ({@code take}), {@code flush}, {@code remove} and {@code clear}. Only the owner re-enqueues the mail; if
 * that fails the very item (same mail, same next delivery) goes back into the queue.</p>
 *
 * <p>The {@code DelayQueue} is a private field, reached by reflection and by name only, so the engine loads on
 * servers without the memory queue: this class is used only once {@link #handles} recognised the queue.</p>
 */
final class MemoryQueueReleaser implements QueueReleaser {
    static final String QUEUE_CLASS = "org.apache.james.queue.memory.MemoryMailQueueFactory$MemoryCacheableMailQueue";
    private static final String ITEMS_FIELD = "mailItems";
    private static final Logger LOGGER = LoggerFactory.getLogger(MemoryQueueReleaser.class);

    static boolean handles(ManageableMailQueue queue) {
        return QueueClasses.isA(queue, QUEUE_CLASS);
    }

    private final ManageableMailQueue queue;
    private final DelayQueue<Delayed> mailItems;

    @SuppressWarnings("unchecked")
    MemoryQueueReleaser(ManageableMailQueue queue) {
        this.queue = queue;
        try {
            Field field = QueueClasses.declaredField(queue.getClass(), ITEMS_FIELD);
            field.setAccessible(true);
            this.mailItems = (DelayQueue<Delayed>) field.get(queue);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("memory queue " + queue.getName().asString() + " has no usable " + ITEMS_FIELD, e);
        }
    }

    @Override
    public Selection select(NodeMatcher matcher) {
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

    private class MemorySelection implements Selection {
        private final List<Delayed> selected;

        MemorySelection(List<Delayed> selected) {
            this.selected = selected;
        }

        @Override
        public long count() {
            return selected.size();
        }

        @Override
        public long release() throws MailQueueException {
            long released = 0;
            for (Delayed item : selected) {
                if (!mailItems.remove(item)) {
                    continue; // dequeued, flushed, removed or released by someone else since selection: theirs now
                }
                Mail mail = ((MailQueueItem) item).getMail();
                Runnable undo = ReleaseAttributes.apply(mail);
                try {
                    queue.enQueue(mail); // enqueues a copy; throws before anything is queued
                    released++;
                } catch (MailQueueException | RuntimeException e) {
                    undo.run();
                    mailItems.add(item);
                    LOGGER.warn("Could not release {}; it stays deferred", mail.getName(), e);
                    throw e;
                }
            }
            return released;
        }

        @Override
        public void abandon() {
            // nothing owned yet
        }
    }
}
