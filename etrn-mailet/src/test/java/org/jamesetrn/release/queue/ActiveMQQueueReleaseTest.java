package org.jamesetrn.release.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.jamesetrn.release.queue.TestMails.deferredMail;

import java.io.File;
import java.time.Duration;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import javax.jms.Connection;
import javax.jms.ConnectionFactory;
import javax.jms.Message;
import javax.jms.QueueBrowser;
import javax.jms.Session;

import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQPrefetchPolicy;
import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.broker.region.BaseDestination;
import org.apache.activemq.command.ActiveMQQueue;
import org.apache.activemq.store.kahadb.KahaDBPersistenceAdapter;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.metrics.api.NoopGaugeRegistry;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.queue.activemq.ActiveMQMailQueueFactory;
import org.apache.james.queue.activemq.FileSystemBlobTransferPolicy;
import org.apache.james.queue.activemq.metric.ActiveMQMetricCollectorNoop;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.api.RawMailQueueItemDecoratorFactory;
import org.apache.james.server.core.JamesServerResourceLoader;
import org.apache.james.server.core.filesystem.FileSystemImpl;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.ReleaseException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * On James's ActiveMQ queue with a persistent embedded broker configured as James's EmbeddedActiveMQ does (no
 * destination policy, prefetch 0, mail bodies in blob files), reached through its ConnectionFactory as in James.
 */
class ActiveMQQueueReleaseTest extends QueueReleaseContract {
    private static final String BROKER = "etrn-test";
    /** Beyond ActiveMQ's default page window (200): only a wider window shows what is queued behind. */
    private static final int BEHIND_A_PAGE = 500;

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
        // As James's EmbeddedActiveMQ: mail bodies go to blob files through James's FileSystem.
        FileSystem fileSystem = new FileSystemImpl(new JamesServerResourceLoader(brokerDirectory.getAbsolutePath()));
        FileSystemBlobTransferPolicy blobs = new FileSystemBlobTransferPolicy();
        blobs.setDefaultUploadUrl("file://var/store/activemq/blob-transfer");
        blobs.setFileSystem(fileSystem);
        connectionFactory.setBlobTransferPolicy(blobs);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.stop();
        broker.waitUntilStopped();
    }

    private ActiveMQMailQueueFactory activeMQ;
    private int pageSize = 10_000;
    private ConnectionFactory releaseConnections = connectionFactory;

    @Override
    Optional<JmsBackend> jmsBackend() {
        return Optional.of(new ActiveMQBackend(releaseConnections, pageSize));
    }

    @Override
    MailQueueFactory<? extends ManageableMailQueue> createFactory(RecordingMetricFactory metrics) {
        activeMQ = newFactory(metrics);
        return activeMQ;
    }

    private ActiveMQMailQueueFactory newFactory(RecordingMetricFactory metrics) {
        ActiveMQMailQueueFactory factory = new ActiveMQMailQueueFactory(connectionFactory, new RawMailQueueItemDecoratorFactory(),
            metrics, new NoopGaugeRegistry(), new ActiveMQMetricCollectorNoop());
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
    void brokerUnreachableFailsTheReleaseAndKeepsEveryMail() throws Exception {
        defer(outgoing, deferredMail("kept", 2, "a@customer.test"));
        release.close();
        releaseConnections = new ActiveMQConnectionFactory("vm://no-such-broker?create=false");
        release = engine(factory);

        assertThatThrownBy(() -> release.release(Node.domain("customer.test")).counted().get(10, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(ReleaseException.class);

        assertThat(QueueContents.of(outgoing).deferred()).containsExactly("kept");
    }

    @Test
    void nodeMailQueuedBehindMoreThanAPageOfOtherMailIsReleased() throws Exception {
        for (int i = 0; i < BEHIND_A_PAGE; i++) {
            defer(outgoing, deferredMail("other-" + i, 1, "a@other.test"));
        }
        defer(outgoing, deferredMail("late-1", 1, "a@customer.test"));
        defer(outgoing, deferredMail("late-2", 1, "b@customer.test"));

        assertThat(releaseAndWait(Node.domain("customer.test"))).isEqualTo(2);

        QueueContents contents = QueueContents.of(outgoing);
        assertThat(contents.due()).containsExactlyInAnyOrder("late-1", "late-2");
        assertThat(contents.deferred()).hasSize(BEHIND_A_PAGE);
    }

    @Test
    void withActiveMQsOwnPageWindowNodeMailBehindAPageIsNotSeen() throws Exception {
        release.close();
        pageSize = 0; // leave the broker as James's EmbeddedActiveMQ sets it up
        broker.getDestination(new ActiveMQQueue(outgoing.getName().asString())).setMaxPageSize(BaseDestination.MAX_PAGE_SIZE);
        release = engine(factory);
        for (int i = 0; i < BEHIND_A_PAGE; i++) {
            defer(outgoing, deferredMail("other-" + i, 1, "a@other.test"));
        }
        defer(outgoing, deferredMail("late", 1, "a@customer.test"));

        assertThat(releaseAndWait(Node.domain("customer.test"))).isZero();
        assertThat(QueueContents.of(outgoing).deferred()).contains("late");
    }

    @Test
    void aQueueOutgrowingItsWindowIsWarnedAboutOnceAMinute() throws Exception {
        release.close();
        broker.getDestination(new ActiveMQQueue(outgoing.getName().asString())).setMaxPageSize(BaseDestination.MAX_PAGE_SIZE);
        pageSize = 250;
        release = engine(factory);
        for (int i = 0; i < BEHIND_A_PAGE; i++) {
            defer(outgoing, deferredMail("other-" + i, 1, "a@other.test"));
        }
        defer(outgoing, deferredMail("late", 1, "a@customer.test"));
        Logger logger = (Logger) LoggerFactory.getLogger(ActiveMQBackend.class);
        ListAppender<ILoggingEvent> warnings = new ListAppender<>();
        warnings.start();
        logger.addAppender(warnings);
        try {
            // ActiveMQ's window is a soft limit (a pull may page in another window's worth): whether "late" is seen varies.
            releaseAndWait(Node.domain("customer.test"));
            releaseAndWait(Node.domain("other.test"));
        } finally {
            logger.detachAppender(warnings);
        }

        assertThat(warnings.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly("Queue "
            + outgoing.getName().asString() + " holds " + (BEHIND_A_PAGE + 1) + " messages, more than the 250 ActiveMQ "
            + "pages in: ETRN and James's dequeue may not see the mail queued behind them until the head of the queue "
            + "moves; raise release.activemq.pageSize (etrn.properties) and James's heap");
    }

    @Test
    void jamesDequeuesDueMailQueuedBehindMoreThanAPageOfDeferredMail() throws Exception {
        for (int i = 0; i < BEHIND_A_PAGE; i++) {
            defer(outgoing, deferredMail("other-" + i, 1, "a@other.test"));
        }
        outgoing.enQueue(deferredMail("due", 0, "a@customer.test"));
        Set<String> dequeued = ConcurrentHashMap.newKeySet();
        Disposable remoteDelivery = Flux.from(outgoing.deQueue())
            .subscribeOn(Schedulers.boundedElastic())
            .subscribe(item -> {
                dequeued.add(item.getMail().getName());
                try {
                    item.done(MailQueue.MailQueueItem.CompletionStatus.SUCCESS);
                } catch (MailQueue.MailQueueException e) {
                    throw new IllegalStateException(e);
                }
            });
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> dequeued.contains("due"));
        } finally {
            remoteDelivery.dispose();
        }
        assertThat(dequeued).containsExactly("due");
    }
}
