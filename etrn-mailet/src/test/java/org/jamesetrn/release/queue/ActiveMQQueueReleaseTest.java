package org.jamesetrn.release.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jamesetrn.release.queue.TestMails.deferredMail;

import java.io.File;
import java.util.Collections;
import java.util.Enumeration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import javax.jms.Connection;
import javax.jms.Message;
import javax.jms.QueueBrowser;
import javax.jms.Session;

import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQPrefetchPolicy;
import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.store.kahadb.KahaDBPersistenceAdapter;
import org.apache.james.metrics.api.NoopGaugeRegistry;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.queue.activemq.ActiveMQMailQueueFactory;
import org.apache.james.queue.activemq.metric.ActiveMQMetricCollectorNoop;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.api.RawMailQueueItemDecoratorFactory;
import org.apache.james.queue.jms.JMSCacheableMailQueue;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.ReleaseException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On James's ActiveMQ queue with a persistent embedded broker configured as James's EmbeddedActiveMQ does. */
class ActiveMQQueueReleaseTest extends QueueReleaseContract {
    private static final String BROKER = "etrn-test";

    @TempDir
    static File brokerDirectory;
    private static BrokerService broker;
    private static ActiveMQConnectionFactory connectionFactory;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = new BrokerService();
        broker.setBrokerName(BROKER);
        broker.setUseJmx(false);
        broker.setUseShutdownHook(false);
        broker.setSchedulerSupport(false);
        broker.setPersistent(true);
        broker.setDataDirectoryFile(brokerDirectory);
        KahaDBPersistenceAdapter kahaDb = new KahaDBPersistenceAdapter();
        kahaDb.setDirectory(new File(brokerDirectory, "kahadb"));
        kahaDb.setEnableJournalDiskSyncs(false); // tests need persistence semantics, not durability on power loss
        broker.setPersistenceAdapter(kahaDb);
        broker.start();
        broker.waitUntilStarted();

        connectionFactory = new ActiveMQConnectionFactory("vm://" + BROKER + "?create=false");
        ActiveMQPrefetchPolicy prefetch = new ActiveMQPrefetchPolicy();
        prefetch.setQueuePrefetch(0); // as James's EmbeddedActiveMQ
        prefetch.setTopicPrefetch(0);
        connectionFactory.setPrefetchPolicy(prefetch);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.stop();
        broker.waitUntilStopped();
    }

    private ActiveMQMailQueueFactory activeMQ;

    @Override
    MailQueueFactory<? extends ManageableMailQueue> createFactory(RecordingMetricFactory metrics) {
        activeMQ = newFactory(metrics);
        return activeMQ;
    }

    private ActiveMQMailQueueFactory newFactory(RecordingMetricFactory metrics) {
        ActiveMQMailQueueFactory factory = new ActiveMQMailQueueFactory(connectionFactory, new RawMailQueueItemDecoratorFactory(),
            metrics, new NoopGaugeRegistry(), new ActiveMQMetricCollectorNoop());
        factory.setUseBlobMessages(false); // blob messages need James's FileSystem; the copy code is James's own
        factory.setUseJMX(false);
        return factory;
    }

    @Override
    void closeFactory() {
        activeMQ.destroy();
    }

    @Override
    int stressMails() {
        return 300;
    }

    @Test
    void releasedMessageHasJmsHighPriority() throws Exception {
        defer(outgoing, deferredMail("urgent", 1, "a@customer.test"));

        releaseAndWait(Node.domain("customer.test"));

        try (Connection connection = connectionFactory.createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            QueueBrowser browser = session.createBrowser(session.createQueue(outgoing.getName().asString()));
            @SuppressWarnings("unchecked")
            Enumeration<Message> messages = browser.getEnumeration();
            assertThat(Collections.list(messages)).singleElement()
                .satisfies(message -> assertThat(message.getJMSPriority()).isEqualTo(9));
        }
    }

    @Test
    void brokerConnectionLostFailsTheReleaseAndKeepsEveryMail() throws Exception {
        defer(outgoing, deferredMail("kept", 2, "a@customer.test"));
        ((JMSCacheableMailQueue) outgoing).dispose(); // closes the queue's connection: the backend is gone

        assertThatThrownBy(() -> release.release(Node.domain("customer.test")).counted().get(10, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(ReleaseException.class);

        ActiveMQMailQueueFactory reconnected = newFactory(metrics);
        try {
            assertThat(QueueContents.of(reconnected.createQueue(outgoing.getName())).deferred()).containsExactly("kept");
        } finally {
            reconnected.destroy();
        }
    }
}
