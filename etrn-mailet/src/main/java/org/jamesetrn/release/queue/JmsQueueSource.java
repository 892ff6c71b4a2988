package org.jamesetrn.release.queue;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;

import javax.jms.Connection;
import javax.jms.JMSException;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Queue;
import javax.jms.QueueBrowser;
import javax.jms.Session;
import javax.mail.internet.AddressException;

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
 * <p>Limit (ActiveMQ, measured): a selector only sees the messages the broker has paged in, by default the first
 * 200 of the queue ({@code maxPageSize}); node mail behind more than that many other messages is not found (0 of 50
 * behind 2,000 deferred ones); James's own dequeue selector probably shares that window (not verified). Nothing is
 * lost or duplicated; such mail simply waits for its retry. Raising the broker's {@code maxPageSize} lifts it.</p>
 *
 * <p>Uses the queue's own connection and its {@code copy(Session, Message)} (which knows blob messages), reached by
 * reflection; this class is loaded only when the engine recognised a JMS queue.</p>
 */
final class JmsQueueSource extends QueueSource {
    /** JMSCacheableMailQueue.FORCE_DELIVERY: set on messages an admin flushed, which are due whatever their date. */
    private static final String FORCE_DELIVERY = "FORCE_DELIVERY";
    /** With James's prefetch of 0 the broker may need a moment to dispatch the first match; later ones flow. */
    private static final long FIRST_MESSAGE_WAIT_MILLIS = 100;
    private static final Logger LOGGER = LoggerFactory.getLogger(JmsQueueSource.class);
    private static final Splitter RECIPIENTS = Splitter.on(JMSSupport.JAMES_MAIL_SEPARATOR).omitEmptyStrings().trimResults();

    private final Connection connection;
    private final Method copy;

    JmsQueueSource(ManageableMailQueue queue) {
        super(queue);
        try {
            Field field = QueueClasses.declaredField(queue.getClass(), "connection");
            field.setAccessible(true);
            this.connection = (Connection) field.get(queue);
            this.copy = QueueClasses.declaredMethod(queue.getClass(), "copy", Session.class, Message.class);
            this.copy.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("JMS queue " + queue.getName().asString() + " is not usable for ETRN", e);
        }
    }

    @Override
    Selection select(RecipientMatch matcher) throws MailQueueException {
        Session session = null;
        try {
            session = connection.createSession(true, Session.SESSION_TRANSACTED);
            Queue destination = session.createQueue(queue.getName().asString());
            long now = System.currentTimeMillis();
            List<Message> selected = new ArrayList<>();
            List<Message> others = new ArrayList<>();
            try (MessageConsumer consumer = session.createConsumer(destination, selector(matcher, now))) {
                for (Message message = consumer.receive(FIRST_MESSAGE_WAIT_MILLIS); message != null; message = consumer.receiveNoWait()) {
                    if (matcher.matches(recipients(message))) {
                        selected.add(message);
                    } else {
                        others.add(message); // the LIKE pre-filter was looser than the node: put back unchanged
                    }
                }
            }
            return new JmsSelection(session, destination, selected, others);
        } catch (JMSException | RuntimeException e) {
            close(session);
            throw new MailQueueException("Unable to select deferred mail in " + queue.getName().asString(), e);
        }
    }

    private static String selector(RecipientMatch matcher, long now) {
        String deferred = JMSSupport.JAMES_NEXT_DELIVERY + " > " + now
            + " AND (" + FORCE_DELIVERY + " IS NULL OR " + FORCE_DELIVERY + " = false)";
        return matcher.jmsRecipientsSelector(JMSSupport.JAMES_MAIL_RECIPIENTS)
            .map(recipients -> deferred + " AND " + recipients)
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
                for (Message message : others) {
                    producer.send(copyOf(message), message.getJMSDeliveryMode(), message.getJMSPriority(),
                        Message.DEFAULT_TIME_TO_LIVE);
                }
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
                for (Message message : Iterables.concat(selected.subList(1, selected.size()), others)) {
                    producer.send(copyOf(message), message.getJMSDeliveryMode(), message.getJMSPriority(),
                        Message.DEFAULT_TIME_TO_LIVE);
                }
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

        @Override
        public void abandon() {
            rollback(session);
            close(session);
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

        private Message copyOf(Message message) throws JMSException {
            try {
                return (Message) copy.invoke(queue, session, message);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof JMSException) {
                    throw (JMSException) e.getCause();
                }
                throw new IllegalStateException("Unable to copy message", e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("Unable to copy message", e);
            }
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
        Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
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
