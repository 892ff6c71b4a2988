package org.jamesetrn.release.queue;

import org.apache.james.queue.api.MailQueue.MailQueueException;
import org.apache.james.queue.api.ManageableMailQueue;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.DeferredMailSource;

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
}
