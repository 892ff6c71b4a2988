package org.jamesetrn.server;

import java.io.FileNotFoundException;

import javax.jms.ConnectionFactory;

import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.store.PersistenceAdapter;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.queue.activemq.ActiveMQConfiguration;
import org.apache.james.queue.activemq.ActiveMQHealthCheck;
import org.apache.james.queue.activemq.ActiveMQMailQueueFactory;
import org.apache.james.queue.activemq.EmbeddedActiveMQ;
import org.apache.james.queue.activemq.metric.ActiveMQMetricCollector;
import org.apache.james.queue.activemq.metric.ActiveMQMetricCollectorImpl;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.utils.InitializationOperation;
import org.apache.james.utils.InitilizationOperationBuilder;
import org.apache.james.utils.PropertiesProvider;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import com.google.inject.Singleton;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.ProvidesIntoSet;

/**
 * James's mail queue in James's embedded ActiveMQ broker, wired from James's published classes
 * ({@code james-server-queue-activemq}): the {@link EmbeddedActiveMQ} broker (named {@code james}, KahaDB under
 * {@code var/store/activemq/brokers/KahaDB}, mail bodies as blob files under {@code var/store/activemq/blob-transfer}),
 * James's {@link ActiveMQMailQueueFactory} as every {@code MailQueueFactory}, the {@code ConnectionFactory} of the
 * broker, its health check and queue metrics ({@code conf/activemq.properties}). These are the bindings of James's
 * own ActiveMQ queue module, which is not published for 3.8.1. Two things differ: the broker's KahaDB store is
 * {@link PrioritizedQueuesKahaDB}, which makes every queue dispatch by message priority, and the factory is
 * {@link OneDequeueThreadQueues}, whose queues run James's dequeue loop on one thread each (a James 3.8.1 defect
 * otherwise leaves mail stuck in flight under load), from the moment James's mailet context is ready
 * ({@link DequeueGate}); and the spool's blob files are read through a buffer and synced to disk before the 250
 * ({@link SpoolBlobPolicy}).
 */
public class EmbeddedActiveMQModule extends AbstractModule {
    private static final String CONFIGURATION_FILE = "activemq";

    @Override
    protected void configure() {
        bind(PersistenceAdapter.class).to(PrioritizedQueuesKahaDB.class);
        bind(PrioritizedQueuesKahaDB.class).in(Scopes.SINGLETON);
        bind(EmbeddedActiveMQ.class).in(Scopes.SINGLETON);
        bind(ActiveMQMailQueueFactory.class).to(OneDequeueThreadQueues.class);
        bind(OneDequeueThreadQueues.class).in(Scopes.SINGLETON);
        install(new DequeueGateModule());
        bind(ActiveMQMetricCollector.class).to(ActiveMQMetricCollectorImpl.class);
        bind(ActiveMQMetricCollectorImpl.class).in(Scopes.SINGLETON);
        Multibinder.newSetBinder(binder(), HealthCheck.class).addBinding().to(ActiveMQHealthCheck.class);
    }

    @Provides
    @Singleton
    ConnectionFactory connectionFactory(EmbeddedActiveMQ broker, FileSystem fileSystem) {
        ConnectionFactory factory = broker.getConnectionFactory();
        if (!(factory instanceof ActiveMQConnectionFactory)) {
            throw new IllegalStateException("James's EmbeddedActiveMQ no longer gives an ActiveMQConnectionFactory ("
                + factory.getClass().getName() + "): the spool's blob files could be neither read through a buffer nor synced");
        }
        // Before any connection exists: each one takes a copy of the factory's policy when it is created.
        ((ActiveMQConnectionFactory) factory).setBlobTransferPolicy(new SpoolBlobPolicy(fileSystem));
        return factory;
    }

    @Provides
    @Singleton
    MailQueueFactory<? extends ManageableMailQueue> manageableQueues(ActiveMQMailQueueFactory queues) {
        queues.setUseJMX(true);
        queues.init();
        return queues;
    }

    @Provides
    @Singleton
    MailQueueFactory<?> queues(MailQueueFactory<? extends ManageableMailQueue> queues) {
        return queues;
    }

    @Provides
    @Singleton
    MailQueueFactory<? extends MailQueue> mailQueues(MailQueueFactory<? extends ManageableMailQueue> queues) {
        return queues;
    }

    /** Queue metrics settings, {@code conf/activemq.properties}; James's defaults without it. */
    @Provides
    @Singleton
    ActiveMQConfiguration configuration(PropertiesProvider properties) throws ConfigurationException {
        try {
            return ActiveMQConfiguration.from(properties.getConfiguration(CONFIGURATION_FILE));
        } catch (FileNotFoundException e) {
            return ActiveMQConfiguration.getDefault();
        }
    }

    @ProvidesIntoSet
    InitializationOperation startMetrics(ActiveMQMetricCollector metrics) {
        return InitilizationOperationBuilder
            .forClass(ActiveMQMetricCollector.class)
            .init(metrics::start);
    }
}
