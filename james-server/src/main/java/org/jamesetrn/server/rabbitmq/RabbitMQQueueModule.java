package org.jamesetrn.server.rabbitmq;

import java.io.FileNotFoundException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import javax.inject.Named;
import javax.inject.Singleton;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.backends.cassandra.components.CassandraModule;
import org.apache.james.backends.rabbitmq.RabbitMQConfiguration;
import org.apache.james.backends.rabbitmq.RabbitMQHealthCheck;
import org.apache.james.backends.rabbitmq.ReactorRabbitMQChannelPool;
import org.apache.james.backends.rabbitmq.ReceiverProvider;
import org.apache.james.backends.rabbitmq.SimpleConnectionPool;
import org.apache.james.blob.api.BlobStore;
import org.apache.james.blob.mail.MimeMessageStore;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.eventsourcing.eventstore.cassandra.CassandraEventStore;
import org.apache.james.eventsourcing.eventstore.cassandra.CassandraEventStoreModule;
import org.apache.james.eventsourcing.eventstore.cassandra.EventStoreDao;
import org.apache.james.eventsourcing.eventstore.cassandra.JsonEventSerializer;
import org.apache.james.lifecycle.api.StartUpCheck;
import org.apache.james.mailetcontainer.impl.JamesMailSpooler;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.rabbitmq.RabbitMQMailQueueDeadLetterQueueHealthCheck;
import org.apache.james.queue.rabbitmq.view.RabbitMQMailQueueConfiguration;
import org.apache.james.queue.rabbitmq.view.api.MailQueueView;
import org.apache.james.queue.rabbitmq.view.cassandra.BrowseStartHealthCheck;
import org.apache.james.queue.rabbitmq.view.cassandra.CassandraMailQueueBrowser;
import org.apache.james.queue.rabbitmq.view.cassandra.CassandraMailQueueMailDelete;
import org.apache.james.queue.rabbitmq.view.cassandra.CassandraMailQueueMailStore;
import org.apache.james.queue.rabbitmq.view.cassandra.CassandraMailQueueView;
import org.apache.james.queue.rabbitmq.view.cassandra.CassandraMailQueueViewModule;
import org.apache.james.queue.rabbitmq.view.cassandra.CassandraMailQueueViewStartUpCheck;
import org.apache.james.queue.rabbitmq.view.cassandra.configuration.CassandraMailQueueViewConfiguration;
import org.apache.james.queue.rabbitmq.view.cassandra.configuration.CassandraMailQueueViewConfigurationModule;
import org.apache.james.queue.rabbitmq.view.cassandra.configuration.EventsourcingConfigurationManagement;
import org.apache.james.utils.InitializationOperation;
import org.apache.james.utils.InitilizationOperationBuilder;
import org.apache.james.utils.PropertiesProvider;
import org.jamesetrn.server.DequeueGateModule;
import org.jamesetrn.server.cassandra.CassandraHoldModule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.datastax.oss.driver.api.core.CqlSession;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.ProvidesIntoSet;
import com.rabbitmq.client.Connection;

import reactor.core.publisher.Mono;
import reactor.rabbitmq.ChannelPoolFactory;
import reactor.rabbitmq.ChannelPoolOptions;
import reactor.rabbitmq.RabbitFlux;
import reactor.rabbitmq.ReceiverOptions;
import reactor.rabbitmq.Sender;
import reactor.rabbitmq.SenderOptions;

/**
 * James's distributed mail queue as every {@code MailQueueFactory} of the cluster server: the spool and every
 * RemoteDelivery queue are RabbitMQ queues (durable, persistent messages, publisher confirms: a mail is in RabbitMQ's
 * store before SMTP says 250), the mails' contents in the Cassandra blob store the hold already uses, and James's
 * Cassandra view of each queue (browse, size, clear and remove for WebAdmin; it also deletes a mail's blobs once the
 * mail leaves the queue). All of it James 3.8.1's published classes ({@code james-server-queue-rabbitmq}), wired as
 * James's unpublished Guice modules wire them for the distributed server ({@code RabbitMQModule},
 * {@code CassandraMailQueueViewModule}), from {@code conf/rabbitmq.properties} with James's keys.
 *
 * <p>What differs: the queues James's factory hands out are wrapped ({@link RabbitMQQueues}), so that their dequeue
 * waits for James's mailet context (the start-up race of {@code DequeueGate}) and one object serves each queue; the
 * view's configuration history lives in an event store of its own in Cassandra (the memory server's event store is
 * in memory, which would forget it at each restart); no WebAdmin route of James's RabbitMQ extras
 * ({@code RabbitMailQueueRoutes}), no blob reference source for James's blob garbage collection (blobs are not
 * deduplicated here: each is deleted a few minutes after its mail left the queue, {@link LateDeletion}).</p>
 */
public class RabbitMQQueueModule extends AbstractModule {
    /** conf/rabbitmq.properties, James's file and keys. */
    public static final String CONFIGURATION_NAME = "rabbitmq";
    /** etrn-mailet's {@code QueueSpoolBacklog.WAITING_MAILS} (RabbitMQQueueModuleTest checks they agree). */
    static final String SPOOL_WAITING_MAILS = "etrn.spool.waitingMails";
    private static final Duration WARNING_PERIOD = Duration.ofMinutes(1);
    private static final Logger LOGGER = LoggerFactory.getLogger(RabbitMQQueueModule.class);

    @Override
    protected void configure() {
        install(new DequeueGateModule());
        bind(SimpleConnectionPool.class).in(Scopes.SINGLETON);
        bind(RabbitMQQueues.class).in(Scopes.SINGLETON);

        Multibinder<HealthCheck> healthChecks = Multibinder.newSetBinder(binder(), HealthCheck.class);
        healthChecks.addBinding().to(RabbitMQHealthCheck.class);
        healthChecks.addBinding().to(RabbitMQMailQueueDeadLetterQueueHealthCheck.class);
        healthChecks.addBinding().to(BrowseStartHealthCheck.class);

        Multibinder.newSetBinder(binder(), CassandraModule.class).addBinding()
            .toInstance(CassandraModule.aggregateModules(CassandraMailQueueViewModule.MODULE, CassandraEventStoreModule.MODULE()));
        Multibinder.newSetBinder(binder(), StartUpCheck.class).addBinding().to(CassandraMailQueueViewStartUpCheck.class);
    }

    @Provides
    @Singleton
    MailQueueFactory<? extends ManageableMailQueue> manageableQueues(RabbitMQQueues queues) {
        return queues;
    }

    @Provides
    @Singleton
    MailQueueFactory<?> queues(RabbitMQQueues queues) {
        return queues;
    }

    @Provides
    @Singleton
    MailQueueFactory<? extends MailQueue> mailQueues(RabbitMQQueues queues) {
        return queues;
    }

    /**
     * The spool's waiting mails for james-etrn's in-flow delay (etrn-mailet's {@code QueueSpoolBacklog} looks this
     * name up: it cannot see our types, nor we its), counted by RabbitMQ instead of James's Cassandra view. A count
     * that fails is logged and taken as 0 (intake not paused: the enqueue itself tells the sender when RabbitMQ is
     * away).
     */
    @Provides
    @Named(SPOOL_WAITING_MAILS)
    @Singleton
    LongSupplier spoolWaitingMails(RabbitMQQueues queues) {
        AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARNING_PERIOD.toNanos());
        return () -> {
            try {
                return queues.readyMails(MailQueueFactory.SPOOL);
            } catch (RuntimeException e) {
                long now = System.nanoTime();
                long last = lastWarning.get();
                // Asked up to 20 times a second: once a minute is enough to be seen.
                if (now - last >= WARNING_PERIOD.toNanos() && lastWarning.compareAndSet(last, now)) {
                    LOGGER.warn("RabbitMQ cannot count the spool's mails now: SMTP intake is not paced meanwhile", e);
                }
                return 0;
            }
        };
    }

    @Provides
    @Named(CONFIGURATION_NAME)
    @Singleton
    Configuration file(PropertiesProvider properties) throws ConfigurationException {
        try {
            return properties.getConfiguration(CONFIGURATION_NAME);
        } catch (FileNotFoundException e) {
            throw new ConfigurationException("The cluster server needs conf/" + CONFIGURATION_NAME + ".properties (where"
                + " RabbitMQ is: conf/cluster/" + CONFIGURATION_NAME + ".properties)", e);
        }
    }

    @Provides
    @Singleton
    RabbitMQConfiguration rabbitMQ(@Named(CONFIGURATION_NAME) Configuration file) {
        return RabbitMQConfiguration.from(file);
    }

    @Provides
    @Singleton
    RabbitMQMailQueueConfiguration mailQueue(@Named(CONFIGURATION_NAME) Configuration file) {
        return RabbitMQMailQueueConfiguration.from(file);
    }

    @Provides
    @Singleton
    CassandraMailQueueViewConfiguration view(@Named(CONFIGURATION_NAME) Configuration file) {
        return CassandraMailQueueViewConfiguration.from(file);
    }

    @Provides
    @Singleton
    SimpleConnectionPool.Configuration connectionPool(@Named(CONFIGURATION_NAME) Configuration file) {
        return SimpleConnectionPool.Configuration.from(file);
    }

    @Provides
    @Singleton
    ReactorRabbitMQChannelPool.Configuration channelPool(@Named(CONFIGURATION_NAME) Configuration file) {
        return ReactorRabbitMQChannelPool.Configuration.from(file);
    }

    @Provides
    @Singleton
    ReactorRabbitMQChannelPool channels(SimpleConnectionPool connections, ReactorRabbitMQChannelPool.Configuration configuration,
                                        MetricFactory metricFactory) {
        ReactorRabbitMQChannelPool channels = new ReactorRabbitMQChannelPool(connections.getResilientConnection(),
            configuration, metricFactory);
        channels.start();
        return channels;
    }

    /**
     * The queues' publisher, on reactor-rabbitmq's own channel pool (channels cached for reuse, a fresh one whenever
     * none is idle) over James's resilient connection. Not James's {@code ReactorRabbitMQChannelPool} (still bound, for
     * its health check): when RabbitMQ restarts while mails are being published, James's pool loses track of the
     * channels that publishes had borrowed on the dead connection (it finds them by channel number, and the new
     * connection's channels have the same numbers), and once its 3 channels are lost every enqueue fails with
     * "Timeout waiting for idle object", until James restarts: ClusterIntakeTest's RabbitMQ restart refused every
     * mail after it.
     */
    @Provides
    @Singleton
    Sender sender(SimpleConnectionPool connections, ReactorRabbitMQChannelPool.Configuration configuration) {
        Mono<Connection> connection = connections.getResilientConnection();
        return RabbitFlux.createSender(new SenderOptions()
            .connectionMono(connection)
            .channelPool(ChannelPoolFactory.createChannelPool(connection,
                new ChannelPoolOptions().maxCacheSize(configuration.getMaxChannel()))));
    }

    /**
     * The queues' consumers, on James's resilient connection; a consumer cancelled while RabbitMQ is away (the spool's,
     * when James restarts the spool on a new connection) stays cancelled ({@link RecoveryAwareReceiver}).
     */
    @Provides
    @Singleton
    ReceiverProvider receivers(SimpleConnectionPool connections) {
        return () -> new RecoveryAwareReceiver(new ReceiverOptions().connectionMono(connections.getResilientConnection()));
    }

    /**
     * James's Cassandra view of each queue; the contents of a mail that left its queue are deleted a few minutes later
     * rather than at once ({@link LateDeletion}).
     */
    @Provides
    @Singleton
    MailQueueView.Factory views(CassandraMailQueueMailStore store, CassandraMailQueueBrowser browser,
                                CassandraMailQueueMailDelete delete, @Named(CassandraHoldModule.CONTENTS) BlobStore contents) {
        return new CassandraMailQueueView.Factory(store, browser, delete, new MimeMessageStore.Factory(new LateDeletion(contents)));
    }

    /**
     * The view's configuration (slice window, buckets) is recorded as events, so that a later start with settings
     * that would make the stored slices unreadable is refused (James's start-up check). Its own event store in
     * Cassandra: the memory server's is in memory.
     */
    @Provides
    @Singleton
    EventsourcingConfigurationManagement viewConfigurationHistory(CqlSession session) {
        JsonEventSerializer serializer = JsonEventSerializer
            .forModules(CassandraMailQueueViewConfigurationModule.MAIL_QUEUE_VIEW_CONFIGURATION)
            .withoutNestedType();
        return new EventsourcingConfigurationManagement(new CassandraEventStore(new EventStoreDao(session, serializer)));
    }

    /**
     * As James's distributed server: when James's connection to RabbitMQ is replaced by a new one, the spool consumes
     * again on the new connection.
     */
    @ProvidesIntoSet
    InitializationOperation reconnect(SimpleConnectionPool connections, JamesMailSpooler spooler) {
        Set<SimpleConnectionPool.ReconnectionHandler> handlers = Set.of(connection -> Mono.fromRunnable(spooler::restart));
        return InitilizationOperationBuilder
            .forClass(SimpleConnectionPool.class)
            .init(() -> connections.init(handlers));
    }
}
