package org.jamesetrn.release.queue;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import javax.jms.Connection;
import javax.jms.ConnectionFactory;
import javax.jms.JMSException;
import javax.jms.Session;

import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.broker.BrokerRegistry;
import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.broker.region.Destination;
import org.apache.activemq.command.ActiveMQQueue;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.jamesetrn.release.DeferredMailSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * James's embedded ActiveMQ broker as ETRN uses it, found through what James and ActiveMQ publish: the
 * {@code ConnectionFactory} James binds ({@code vm://james?create=false} in every James server with an ActiveMQ
 * queue) and ActiveMQ's registry of in-VM brokers, looked up by the broker name in that factory's URL.
 *
 * <p><b>Connection.</b> Releases run in sessions of one connection of ETRN's own, opened from that factory on first
 * use and opened again after a failure.</p>
 *
 * <p><b>Page window.</b> An ActiveMQ queue hands a consumer only the messages it has paged into memory, at most
 * {@code maxPageSize} (200 by default; James's {@code EmbeddedActiveMQ} sets no destination policy). A JMS selector
 * therefore only sees the first 200 messages: ETRN's own selector finds no node mail queued behind 200 others, and
 * James's dequeue selector ("due now or flushed") finds no due mail behind 200 undue ones (JAMES-4192: the queue
 * stops delivering). At start-up {@link #prepare} raises {@code maxPageSize} and {@code maxBrowsePageSize} of each
 * queue ETRN releases from to {@code release.activemq.pageSize} (etrn.properties), on the running broker, through
 * ActiveMQ's public {@code Destination} API. The cost is heap: every paged-in message stays in memory with its
 * properties (the body stays in ActiveMQ's blob file; docs/activemq.md has the heap measured per message).</p>
 */
final class ActiveMQBackend implements JmsBackend {
    private static final Logger LOGGER = LoggerFactory.getLogger(ActiveMQBackend.class);
    /** Measured heap per paged-in James message (docs/activemq.md): only for the start-up log line. */
    static final int BYTES_PER_PAGED_IN_MESSAGE = 4 * 1024;

    private static final long WARN_EVERY_MILLIS = 60_000;

    private final ConnectionFactory connectionFactory;
    private final int pageSize;
    /** The destinations whose window {@link #prepare} widened, and when each last warned of being outgrown. */
    private final Map<String, Destination> widened = new ConcurrentHashMap<>();
    private final Map<String, Long> lastWarned = new ConcurrentHashMap<>();
    private Connection connection;

    ActiveMQBackend(ConnectionFactory connectionFactory, int pageSize) {
        this.connectionFactory = connectionFactory;
        this.pageSize = pageSize;
    }

    /** Takes the bound factory as an Object: the caller must not need javax.jms on its own classpath. */
    static ActiveMQBackend of(Object connectionFactory, int pageSize) {
        return new ActiveMQBackend((ConnectionFactory) connectionFactory, pageSize);
    }

    @Override
    public DeferredMailSource sourceFor(ManageableMailQueue queue) {
        return new JmsQueueSource(queue, this);
    }

    @Override
    public void prepare(MailQueueName queue) {
        if (pageSize <= 0) {
            LOGGER.info("Queue {}: ActiveMQ's page window left as it is (release.activemq.pageSize={}); ETRN and "
                + "James's dequeue only see the messages it pages in", queue.asString(), pageSize);
            return;
        }
        Optional<BrokerService> broker = broker();
        if (broker.isEmpty()) {
            LOGGER.warn("Queue {}: no in-VM ActiveMQ broker behind {}; its page window cannot be widened: ETRN and "
                + "James's dequeue only see the first messages of the queue (200 by default)", queue.asString(),
                describe(connectionFactory));
            return;
        }
        try {
            // Creates the destination if James has not yet (it will, the same way, when RemoteDelivery starts).
            Destination destination = broker.get().getDestination(new ActiveMQQueue(queue.asString()));
            widen(destination);
            widened.put(queue.asString(), destination);
            LOGGER.info("Queue {}: ActiveMQ pages in up to {} messages (about {} MiB of heap when that many are queued); "
                    + "released mail {}", queue.asString(), destination.getMaxPageSize(),
                (long) destination.getMaxPageSize() * BYTES_PER_PAGED_IN_MESSAGE / (1024 * 1024),
                destination.isPrioritizedMessages() ? "overtakes deferred mail (prioritized queue)"
                    : "is dispatched in queue order (the queue is not prioritized; see docs/activemq.md)");
        } catch (Exception e) {
            throw new IllegalStateException("ETRN cannot widen the ActiveMQ page window of queue " + queue.asString(), e);
        }
    }

    private void widen(Destination destination) {
        if (destination.getMaxPageSize() < pageSize) {
            destination.setMaxPageSize(pageSize);
        }
        if (destination.getMaxBrowsePageSize() < pageSize) {
            destination.setMaxBrowsePageSize(pageSize);
        }
        destination.wakeup(); // page in now what the larger window allows
    }

    /**
     * Before a release: a queue holding more messages than its window hides the ones behind from every selector, so
     * say so, at most once a minute per queue.
     */
    void warnIfOutgrown(String queue) {
        Destination destination = widened.get(queue);
        if (destination == null) {
            return;
        }
        long queued = destination.getDestinationStatistics().getMessages().getCount();
        long now = System.currentTimeMillis();
        if (queued > destination.getMaxPageSize()
            && now - lastWarned.getOrDefault(queue, 0L) >= WARN_EVERY_MILLIS) {
            lastWarned.put(queue, now);
            LOGGER.warn("Queue {} holds {} messages, more than the {} ActiveMQ pages in: ETRN and James's dequeue may not "
                    + "see the mail queued behind them until the head of the queue moves; raise release.activemq.pageSize "
                    + "(etrn.properties) and James's heap", queue, queued, destination.getMaxPageSize());
        }
    }

    /** The in-VM broker the factory connects to: {@code vm://NAME...} looked up in ActiveMQ's broker registry. */
    private Optional<BrokerService> broker() {
        if (!(connectionFactory instanceof ActiveMQConnectionFactory)) {
            return Optional.empty();
        }
        try {
            URI url = new URI(((ActiveMQConnectionFactory) connectionFactory).getBrokerURL());
            if (!"vm".equals(url.getScheme()) || url.getHost() == null) {
                return Optional.empty();
            }
            return Optional.ofNullable(BrokerRegistry.getInstance().lookup(url.getHost()));
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    private static String describe(ConnectionFactory factory) {
        return factory instanceof ActiveMQConnectionFactory
            ? ((ActiveMQConnectionFactory) factory).getBrokerURL()
            : factory.getClass().getName();
    }

    /** A new session on ETRN's connection, transacted or auto-acknowledged; a connection found broken is replaced once. */
    Session session(boolean transacted) throws JMSException {
        int mode = transacted ? Session.SESSION_TRANSACTED : Session.AUTO_ACKNOWLEDGE;
        Connection current = connection();
        try {
            return current.createSession(transacted, mode);
        } catch (JMSException | RuntimeException e) {
            discard(current);
            return connection().createSession(transacted, mode);
        }
    }

    private synchronized Connection connection() throws JMSException {
        if (connection == null) {
            Connection opened = connectionFactory.createConnection();
            try {
                opened.setExceptionListener(failure -> discard(opened));
                opened.start();
            } catch (JMSException | RuntimeException e) {
                close(opened);
                throw e;
            }
            connection = opened;
        }
        return connection;
    }

    private synchronized void discard(Connection broken) {
        if (connection == broken) {
            connection = null;
        }
        close(broken);
    }

    private static void close(Connection connection) {
        try {
            connection.close();
        } catch (JMSException | RuntimeException e) {
            LOGGER.debug("Ignoring close failure of a broken connection", e);
        }
    }
}
