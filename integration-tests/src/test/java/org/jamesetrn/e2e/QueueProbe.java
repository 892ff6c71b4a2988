package org.jamesetrn.e2e;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.james.core.MailAddress;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.transport.mailets.remote.delivery.DeliveryRetriesHelper;
import org.apache.james.utils.GuiceProbe;
import org.apache.mailet.Mail;

/**
 * Reads James's RemoteDelivery queues from inside the server, without side effects: browsing the memory queue is
 * read-only here (WebAdmin's mail listing is not: it would empty the queue), and only the envelope and attributes
 * are read, never the stored message. Each queue is obtained once and never closed, because closing a memory
 * queue that others hold would wipe it.
 */
public class QueueProbe implements GuiceProbe {
    /** What a queued mail looks like to the tests: a snapshot, not the stored Mail. */
    public static final class QueuedMail {
        private final String name;
        private final List<String> recipients;
        private final int retries;
        private final ZonedDateTime nextDelivery;

        QueuedMail(String name, List<String> recipients, int retries, ZonedDateTime nextDelivery) {
            this.name = name;
            this.recipients = recipients;
            this.retries = retries;
            this.nextDelivery = nextDelivery;
        }

        public String name() {
            return name;
        }

        public List<String> recipients() {
            return recipients;
        }

        /** RemoteDelivery's {@code delivery_retry_count}: failed attempts counted towards the bounce. */
        public int retries() {
            return retries;
        }

        public ZonedDateTime nextDelivery() {
            return nextDelivery;
        }

        @Override
        public String toString() {
            return name + " " + recipients + " retries=" + retries + " next=" + nextDelivery;
        }
    }

    private final MailQueueFactory<? extends ManageableMailQueue> queues;
    private final Map<String, ManageableMailQueue> obtained = new ConcurrentHashMap<>();

    @Inject
    public QueueProbe(MailQueueFactory<? extends ManageableMailQueue> queues) {
        this.queues = queues;
    }

    /** Mails waiting in the queue (not those a delivery thread holds right now). */
    public List<QueuedMail> waiting(String queueName) throws Exception {
        ManageableMailQueue.MailQueueIterator items = queue(queueName).browse();
        try {
            List<QueuedMail> result = new ArrayList<>();
            while (items.hasNext()) {
                ManageableMailQueue.MailQueueItemView item = items.next();
                result.add(snapshot(item.getMail(), item.getNextDelivery().orElse(null)));
            }
            return result;
        } finally {
            items.close();
        }
    }

    /** Waiting and in delivery. */
    public long size(String queueName) throws Exception {
        return queue(queueName).getSize();
    }

    public void clear(String queueName) throws Exception {
        queue(queueName).clear();
    }

    /** The size of a queue a RemoteDelivery creates at start-up; one that is not there yet holds nothing. */
    public long sizeIfExists(String queueName) throws Exception {
        return queues.listCreatedMailQueues().contains(MailQueueName.of(queueName)) ? queue(queueName).getSize() : 0;
    }

    /** Clears a queue a RemoteDelivery creates at start-up; one that is not there yet holds nothing. */
    public void clearIfExists(String queueName) throws Exception {
        if (queues.listCreatedMailQueues().contains(MailQueueName.of(queueName))) {
            queue(queueName).clear();
        }
    }

    private ManageableMailQueue queue(String name) {
        return obtained.computeIfAbsent(name, key -> queues.getQueue(MailQueueName.of(key))
            .orElseThrow(() -> new IllegalStateException("no mail queue " + key + " among " + queues.listCreatedMailQueues())));
    }

    private static QueuedMail snapshot(Mail mail, ZonedDateTime nextDelivery) {
        List<String> recipients = mail.getRecipients().stream().map(MailAddress::asString).collect(Collectors.toList());
        return new QueuedMail(mail.getName(), recipients,
            DeliveryRetriesHelper.retrieveRetries(mail), nextDelivery);
    }
}
