package org.jamesetrn.release.queue;

import java.io.IOException;
import java.net.MalformedURLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;

import javax.jms.JMSException;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.ObjectMessage;
import javax.jms.Queue;
import javax.jms.QueueBrowser;
import javax.jms.Session;
import javax.mail.internet.AddressException;

import org.apache.activemq.ActiveMQSession;
import org.apache.activemq.BlobMessage;
import org.apache.activemq.command.ActiveMQMessage;
import org.apache.activemq.util.JMSExceptionSupport;
import org.apache.james.core.MailAddress;
import org.apache.james.queue.api.MailPrioritySupport;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueue.MailQueueException;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.jms.JMSSupport;
import org.apache.mailet.AttributeValue;
import org.jamesetrn.release.ProbeOutcome;
import org.jamesetrn.release.ProbeOutcomes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.Iterables;

/**
 * Release path for James's JMS queues (ActiveMQ): the deferred messages of a node are consumed and re-sent as
 * released copies in ONE transacted session. The broker hands a message to one consumer only, so a release, a
 * concurrent release, RemoteDelivery's dequeue and an admin flush cannot both take it; the commit makes the
 * consumption and the copies visible together, a rollback (failure, crash) leaves the queue as it was.
 *
 * <p>Only public API: the session comes from {@link ActiveMQBackend} (a connection from the ConnectionFactory James
 * binds), and a copy is a new message of the same kind (an ActiveMQ blob message pointing at the same stored body,
 * or an object message with the same bytes) carrying the same properties.</p>
 *
 * <p>A selector only sees the messages the broker has paged in: {@link ActiveMQBackend#prepare} widens that window at
 * start-up. How the node's messages are taken, in one pass of the broker over the queue, is in {@link #take}.</p>
 */
final class JmsQueueSource extends QueueSource {
    /** JMSCacheableMailQueue.FORCE_DELIVERY: set on messages an admin flushed, which are due whatever their date. */
    private static final String FORCE_DELIVERY = "FORCE_DELIVERY";
    /** Matches one pass of the broker hands the bulk consumer at once (see {@link #take}). */
    static final int BULK_PREFETCH = 5_000;
    private static final Logger LOGGER = LoggerFactory.getLogger(JmsQueueSource.class);
    private static final Splitter RECIPIENTS = Splitter.on(JMSSupport.JAMES_MAIL_SEPARATOR).omitEmptyStrings().trimResults();

    private final ActiveMQBackend broker;

    JmsQueueSource(ManageableMailQueue queue, ActiveMQBackend broker) {
        super(queue);
        this.broker = broker;
    }

    @Override
    Selection select(RecipientMatch matcher) throws MailQueueException {
        Session session = null;
        try {
            String name = queue.getName().asString();
            broker.warnIfOutgrown(name);
            session = broker.session(true);
            List<Message> selected = new ArrayList<>();
            List<Message> others = new ArrayList<>();
            for (Message message : take(session, name, selector(matcher, System.currentTimeMillis()))) {
                if (matcher.matches(recipients(message))) {
                    selected.add(message);
                } else {
                    others.add(message); // the LIKE pre-filter was looser than the node: put back unchanged
                }
            }
            return new JmsSelection(session, session.createQueue(name), selected, others);
        } catch (JMSException | RuntimeException e) {
            close(session);
            throw new MailQueueException("Unable to select deferred mail in " + queue.getName().asString(), e);
        }
    }

    /**
     * Consumes, in the session's transaction, every message of the queue the selector matches, in about one pass of
     * the broker over the queue, and knows when it has them all.
     *
     * <p>Two consumers with the same selector. "probe" has prefetch 0, so it pulls: ActiveMQ answers a pull
     * ({@code receiveNoWait}) after a synchronous pass over the queue, with a match or with "nothing". Nothing on the
     * first pull: the node has no deferred mail here, and that costs one pass. Otherwise "bulk", with a large prefetch,
     * is opened: in one pass over the queue the broker pushes it every match, ahead of the answer to the next pull on
     * the same connection. So once a pull is answered with nothing, either bulk never reached its prefetch (it was
     * offered every match) or it received nothing new since the pull before (there was no match left): either way
     * every match has arrived. A prefetch-0 consumer alone would cost a pass per message; a prefetched consumer alone
     * gives no end signal.</p>
     */
    private static List<Message> take(Session session, String queueName, String selector) throws JMSException {
        List<Message> taken = new ArrayList<>();
        try (MessageConsumer probe = session.createConsumer(session.createQueue(queueName + "?consumer.prefetchSize=0"), selector)) {
            Message first = probe.receiveNoWait();
            if (first == null) {
                return taken;
            }
            taken.add(first);
            try (MessageConsumer bulk = session.createConsumer(
                session.createQueue(queueName + "?consumer.prefetchSize=" + BULK_PREFETCH), selector)) {
                int fromBulk = 0;
                while (true) {
                    Message pulled = probe.receiveNoWait();
                    int fromBulkBefore = fromBulk;
                    for (Message message = bulk.receiveNoWait(); message != null; message = bulk.receiveNoWait()) {
                        taken.add(message);
                        fromBulk++;
                    }
                    if (pulled != null) {
                        taken.add(pulled);
                    } else if (fromBulk < BULK_PREFETCH || fromBulk == fromBulkBefore) {
                        return taken;
                    }
                }
            }
        }
    }

    private static String selector(RecipientMatch matcher, long now) {
        String deferred = JMSSupport.JAMES_NEXT_DELIVERY + " > " + now
            + " AND (" + FORCE_DELIVERY + " IS NULL OR " + FORCE_DELIVERY + " = false)";
        // The recipients test first: it is false for most queued mail, and AND stops at the first false.
        return matcher.jmsRecipientsSelector(JMSSupport.JAMES_MAIL_RECIPIENTS)
            .map(recipients -> recipients + " AND " + deferred)
            .orElse(deferred);
    }

    private static Collection<MailAddress> recipients(Message message) throws JMSException {
        String recipients = Optional.ofNullable(message.getStringProperty(JMSSupport.JAMES_MAIL_RECIPIENTS)).orElse("");
        ImmutableList.Builder<MailAddress> addresses = ImmutableList.builder();
        for (String recipient : RECIPIENTS.split(recipients)) {
            try {
                addresses.add(new MailAddress(recipient));
            } catch (AddressException e) {
                LOGGER.debug("Ignoring unparsable recipient {}", recipient);
            }
        }
        return addresses.build();
    }

    private class JmsSelection implements Selection {
        private final Session session;
        private final Queue destination;
        private final List<Message> selected;
        private final List<Message> others;

        JmsSelection(Session session, Queue destination, List<Message> selected, List<Message> others) {
            this.session = session;
            this.destination = destination;
            this.selected = selected;
            this.others = others;
        }

        @Override
        public long count() {
            return selected.size();
        }

        @Override
        public long dispatch() throws MailQueueException {
            try (MessageProducer producer = session.createProducer(destination)) {
                for (Message message : selected) {
                    producer.send(released(message), message.getJMSDeliveryMode(), MailPrioritySupport.HIGH_PRIORITY,
                        Message.DEFAULT_TIME_TO_LIVE);
                }
                putBack(producer, others);
                session.commit();
                return selected.size();
            } catch (JMSException | RuntimeException e) {
                rollback(session);
                throw new MailQueueException("Unable to release deferred mail in " + queue.getName().asString(), e);
            } finally {
                close(session);
            }
        }

        /**
         * Releases the first selected message as the probe; the other selected messages and the pre-filter's others
         * go back unchanged (copies, same next delivery and priority), in the same transaction.
         */
        @Override
        public Optional<ProbeWatch> dispatchProbe(ProbeOutcomes.Probe probe) throws MailQueueException {
            if (selected.isEmpty()) {
                abandon();
                return Optional.empty();
            }
            try (MessageProducer producer = session.createProducer(destination)) {
                Message first = selected.get(0);
                producer.send(released(first, Optional.of(probe)), first.getJMSDeliveryMode(),
                    MailPrioritySupport.HIGH_PRIORITY, Message.DEFAULT_TIME_TO_LIVE);
                putBack(producer, Iterables.concat(selected.subList(1, selected.size()), others));
                session.commit();
                String name = first.getStringProperty(JMSSupport.JAMES_MAIL_NAME);
                return Optional.of(() -> deferredAgain(name, probe));
            } catch (JMSException | RuntimeException e) {
                rollback(session);
                throw new MailQueueException("Unable to release a probe in " + queue.getName().asString(), e);
            } finally {
                close(session);
            }
        }

        /**
         * Puts every consumed message back unchanged, as a copy, and commits. Not a rollback: ActiveMQ counts a
         * rolled-back consumption as a redelivery, and past the redelivery limit (6 with James's connection factory)
         * moves the message to its dead-letter queue, where James never looks. A selection is abandoned on every ETRN
         * while a site stays down when another source sent the probe.
         */
        @Override
        public void abandon() {
            if (selected.isEmpty() && others.isEmpty()) {
                close(session);
                return;
            }
            try (MessageProducer producer = session.createProducer(destination)) {
                putBack(producer, Iterables.concat(selected, others));
                session.commit();
            } catch (JMSException | RuntimeException e) {
                rollback(session);
                LOGGER.warn("Queue {}: could not put back {} messages a release had selected; rolled back", name(),
                    selected.size() + others.size(), e);
            } finally {
                close(session);
            }
        }

        /** Unchanged copies: same properties, delivery mode and priority (the originals go in this transaction). */
        private void putBack(MessageProducer producer, Iterable<Message> messages) throws JMSException {
            for (Message message : messages) {
                producer.send(copyOf(message), message.getJMSDeliveryMode(), message.getJMSPriority(),
                    Message.DEFAULT_TIME_TO_LIVE);
            }
        }

        private Message released(Message message) throws JMSException {
            return released(message, Optional.empty());
        }

        private Message released(Message message, Optional<ProbeOutcomes.Probe> probe) throws JMSException {
            Message copy = copyOf(message);
            copy.setLongProperty(JMSSupport.JAMES_NEXT_DELIVERY, MailQueue.NO_DELAY);
            setAttribute(copy, MailPrioritySupport.MAIL_PRIORITY.asString(), json(AttributeValue.of(MailPrioritySupport.HIGH_PRIORITY)));
            if (probe.isPresent()) {
                setAttribute(copy, ProbeOutcomes.PROBE.asString(), json(AttributeValue.of(probe.get().id())));
            }
            String retries = copy.getStringProperty(ReleaseMarks.DELIVERY_RETRY_COUNT.asString());
            if (retries != null) {
                Optional<String> decremented = givenBack(retries);
                if (decremented.isPresent()) {
                    copy.setStringProperty(ReleaseMarks.DELIVERY_RETRY_COUNT.asString(), decremented.get());
                }
            }
            return copy;
        }

        /** A new message of the same kind with the same body and properties (the original goes in this transaction). */
        private Message copyOf(Message message) throws JMSException {
            Message copy;
            if (message instanceof BlobMessage) {
                try {
                    // Points at the same stored body: no upload. RemoteDelivery deletes that file once the copy is delivered.
                    copy = ((ActiveMQSession) session).createBlobMessage(((BlobMessage) message).getURL());
                } catch (MalformedURLException e) {
                    throw JMSExceptionSupport.create(e);
                }
            } else if (message instanceof ObjectMessage) {
                copy = session.createObjectMessage(((ObjectMessage) message).getObject());
            } else {
                throw new JMSException("Not a James mail message: " + message.getClass().getName());
            }
            try {
                ((ActiveMQMessage) copy).setProperties(((ActiveMQMessage) message).getProperties());
            } catch (IOException e) {
                throw JMSExceptionSupport.create(e);
            }
            return copy;
        }
    }

    /** A mail attribute as James's JMS queue stores it: a JSON string property, its name in the names list. */
    private static void setAttribute(Message message, String name, String json) throws JMSException {
        message.setStringProperty(name, json);
        String names = Optional.ofNullable(message.getStringProperty(JMSSupport.JAMES_MAIL_ATTRIBUTE_NAMES)).orElse("");
        if (!RECIPIENTS.splitToList(names).contains(name)) {
            message.setStringProperty(JMSSupport.JAMES_MAIL_ATTRIBUTE_NAMES,
                names.isEmpty() ? name : names + JMSSupport.JAMES_MAIL_SEPARATOR + name);
        }
    }

    /** RemoteDelivery put the probe back, deferred: the attempt failed for now. */
    private Optional<ProbeOutcome> deferredAgain(String mailName, ProbeOutcomes.Probe probe) throws JMSException {
        String tag = json(AttributeValue.of(probe.id()));
        Session session = broker.session(false);
        try (QueueBrowser browser = session.createBrowser(session.createQueue(queue.getName().asString()),
            JMSSupport.JAMES_MAIL_NAME + " = '" + mailName.replace("'", "''") + "' AND "
                + JMSSupport.JAMES_NEXT_DELIVERY + " > " + System.currentTimeMillis())) {
            Enumeration<?> messages = browser.getEnumeration();
            while (messages.hasMoreElements()) {
                if (tag.equals(((Message) messages.nextElement()).getStringProperty(ProbeOutcomes.PROBE.asString()))) {
                    return Optional.of(ProbeOutcome.TEMPORARY_FAILURE);
                }
            }
            return Optional.empty();
        } finally {
            close(session);
        }
    }

    private static Optional<String> givenBack(String retriesJson) {
        try {
            return ReleaseMarks.givenBack(AttributeValue.fromJsonString(retriesJson))
                .map(count -> json(AttributeValue.of(count)));
        } catch (Exception e) {
            LOGGER.warn("Unreadable {} {}: left unchanged", ReleaseMarks.DELIVERY_RETRY_COUNT.asString(), retriesJson);
            return Optional.empty();
        }
    }

    private static String json(AttributeValue<?> value) {
        return value.toJson().orElseThrow().toString();
    }

    private static void rollback(Session session) {
        try {
            session.rollback();
        } catch (JMSException | RuntimeException e) {
            LOGGER.warn("Rollback failed; the broker drops the transaction with the session", e);
        }
    }

    private static void close(Session session) {
        if (session != null) {
            try {
                session.close();
            } catch (JMSException | RuntimeException e) {
                LOGGER.debug("Ignoring session close failure", e);
            }
        }
    }
}
