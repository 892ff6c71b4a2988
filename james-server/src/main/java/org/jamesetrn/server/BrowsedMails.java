package org.jamesetrn.server;

import java.util.NoSuchElementException;

import org.apache.james.queue.api.ManageableMailQueue.MailQueueItemView;
import org.apache.james.queue.api.ManageableMailQueue.MailQueueIterator;

/**
 * James's browse of an ActiveMQ queue with the mails that left the queue meanwhile left out, instead of a failure.
 *
 * <p>James 3.8.1's browse builds each mail as its iterator's {@code next()} is called, copying the message from the
 * mail's blob file. A mail that left the queue after the browse began (delivered, or dequeued by RemoteDelivery and
 * enqueued again with its next retry) has no blob file any more: James logs it and skips to the next mail, but when it
 * was the last one, {@code next()} throws {@code NoSuchElementException} after {@code hasNext()} said true, and
 * WebAdmin's {@code GET /mailQueues/{name}/mails} answers 500 (measured: 4 of 671 listings during a flow of mails into
 * a queue whose site is down, four listing at once). Here {@code hasNext()} looks ahead: it is true only when a mail
 * has been built.</p>
 */
final class BrowsedMails implements MailQueueIterator {
    private final MailQueueIterator browsed;
    private MailQueueItemView ahead;

    BrowsedMails(MailQueueIterator browsed) {
        this.browsed = browsed;
    }

    @Override
    public boolean hasNext() {
        if (ahead == null && browsed.hasNext()) {
            try {
                ahead = browsed.next();
            } catch (NoSuchElementException leftMeanwhile) {
                // every mail after the last one built left the queue since the browse began
            }
        }
        return ahead != null;
    }

    @Override
    public MailQueueItemView next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        MailQueueItemView item = ahead;
        ahead = null;
        return item;
    }

    @Override
    public void remove() {
        throw new UnsupportedOperationException("Read-only");
    }

    @Override
    public void close() {
        browsed.close();
    }
}
