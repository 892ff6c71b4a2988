package org.jamesetrn.release;

import org.apache.james.queue.api.MailQueue.MailQueueException;

/**
 * Releases the deferred mail of one queue, in two steps so that the ETRN reply can be given between them:
 * {@link #select} finds (and, where the backend allows, locks) the mails, {@link Selection#release} re-enqueues them.
 * Implementations guarantee that a mail is released at most once and never lost, whatever runs concurrently.
 */
interface QueueReleaser {
    Selection select(NodeMatcher matcher) throws MailQueueException;

    interface Selection {
        /** How many deferred mails were selected: the number the ETRN reply reports. */
        long count();

        /** Re-enqueues the selected mails for immediate delivery; returns how many this release moved. */
        long release() throws MailQueueException;

        /** Gives the selection up without releasing anything (another queue's selection failed). */
        void abandon();
    }
}
