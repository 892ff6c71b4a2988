package org.jamesetrn.release.queue;

import java.time.ZonedDateTime;
import java.util.Date;
import java.util.Optional;

import javax.mail.MessagingException;

import org.apache.james.queue.api.MailQueue.MailQueueException;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.mailet.Mail;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.DeferredMailSource;
import org.jamesetrn.release.SourceFigures;

/** A James mail queue as a source of deferred mail: its mail is the node's when a recipient is (see {@link RecipientMatch}). */
abstract class QueueSource implements DeferredMailSource {
    protected final ManageableMailQueue queue;

    QueueSource(ManageableMailQueue queue) {
        this.queue = queue;
    }

    @Override
    public String name() {
        return queue.getName().asString();
    }

    @Override
    public Selection select(Node node) throws MailQueueException {
        return select(new RecipientMatch(node));
    }

    abstract Selection select(RecipientMatch matcher) throws MailQueueException;

    /** Through the queue's public browse: the node's deferred mails, their size, the oldest last attempt. */
    @Override
    public SourceFigures figures(Node node) throws MailQueueException {
        RecipientMatch matcher = new RecipientMatch(node);
        ZonedDateTime now = ZonedDateTime.now();
        SourceFigures.Tally tally = new SourceFigures.Tally();
        ManageableMailQueue.MailQueueIterator iterator = queue.browse();
        try {
            while (iterator.hasNext()) {
                ManageableMailQueue.MailQueueItemView view = iterator.next();
                Mail mail = view.getMail();
                if (view.getNextDelivery().map(next -> next.isAfter(now)).orElse(false) && matcher.matches(mail.getRecipients())) {
                    tally.add(size(mail), Optional.ofNullable(mail.getLastUpdated()).map(Date::toInstant).orElse(null));
                }
            }
        } finally {
            iterator.close();
        }
        return tally.of(SourceFigures.Kind.QUEUE, name(), Optional.empty());
    }

    static long size(Mail mail) {
        try {
            return mail.getMessageSize();
        } catch (MessagingException e) {
            return 0;
        }
    }
}
