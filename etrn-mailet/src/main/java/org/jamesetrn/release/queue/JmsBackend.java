package org.jamesetrn.release.queue;

import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.jamesetrn.release.DeferredMailSource;

/**
 * The broker behind James's JMS queues, as the release engine uses it. No JMS type appears here: this interface is
 * loaded on every server, its implementation ({@link ActiveMQBackend}) only where James binds a JMS
 * {@code ConnectionFactory} (see {@link JmsBackends}).
 */
public interface JmsBackend {
    /** The release path of one of James's JMS queues. */
    DeferredMailSource sourceFor(ManageableMailQueue queue);

    /** At start-up, for each queue ETRN releases from: makes its whole content visible to selectors. */
    void prepare(MailQueueName queue);
}
