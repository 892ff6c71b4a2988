package org.jamesetrn.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.jamesetrn.node.Node;
import org.jamesetrn.odmr.SmtpSink;
import org.jamesetrn.odmr.TestHold;
import org.jamesetrn.odmr.provider.Customer;
import org.jamesetrn.odmr.provider.Customers;
import org.jamesetrn.odmr.provider.OdmrListener;
import org.jamesetrn.odmr.provider.OdmrSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import com.google.common.collect.ImmutableList;

/**
 * The client's ODMR relays (protocol=odmr): the same triggers, backoff, log line and counters as ETRN's, with an
 * ATRN session against a real ODMR listener whose turnaround lands in this side's SMTP server.
 */
class AtrnClientTest {
    private static final String SECRET = "a secret, with a comma";
    private static final Backoff BACKOFF = Backoff.of(2, Duration.ofMillis(50), Duration.ofMillis(50));

    private final RecordingMetricFactory metrics = new RecordingMetricFactory();
    private final TestHold hold = new TestHold();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger clientLogger = (Logger) LoggerFactory.getLogger("org.jamesetrn");
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private Level previousLevel;
    private OdmrListener provider;
    private SmtpSink sink;
    private EtrnClient client;

    @BeforeEach
    void start() throws Exception {
        previousLevel = clientLogger.getLevel();
        clientLogger.setLevel(Level.DEBUG);
        logs.start();
        root.addAppender(logs);
        provider = new OdmrListener(OdmrSettings.builder()
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).helloName("provider.test").build(),
            Customers.of(List.of(Customer.of("site", SECRET, List.of("customer.test", "customer.example")))),
            Optional.of(hold), new RecordingMetricFactory(), Optional.empty());
        provider.start();
        sink = new SmtpSink();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.stop();
        }
        sink.close();
        provider.stop();
        root.detachAppender(logs);
        clientLogger.setLevel(previousLevel);
    }

    private EtrnClient client(String secret, Node... nodes) {
        UpstreamRelay relay = UpstreamRelay.of("odmr", RelayProtocol.ODMR, "127.0.0.1", provider.address().orElseThrow().getPort(),
            StartTls.OFF, Optional.of(Credentials.of("site", secret)), List.of(nodes), Optional.empty());
        client = new EtrnClient(EtrnClientConfiguration.of(List.of(relay), Optional.empty(), Duration.ofSeconds(10),
            Optional.of("site.customer.test"), BACKOFF), metrics, () -> Optional.of(sink.address()));
        return client;
    }

    private List<String> requestLines() {
        return logs.list.stream()
            .filter(event -> event.getLoggerName().equals(ClientAudit.class.getName()))
            .map(event -> event.getLevel() + " " + event.getFormattedMessage())
            .collect(ImmutableList.toImmutableList());
    }

    private String relay() {
        return "odmr (127.0.0.1:" + provider.address().orElseThrow().getPort() + ")";
    }

    @Test
    void atStartUpTheHeldMailComesOverTheConnectionIntoThisJamesSmtpServer() throws Exception {
        List<String> held = List.of(hold.hold("customer.test", "alice"), hold.hold("customer.example", "bob"));

        client("a secret, with a comma", Node.domain("customer.test"), Node.domain("customer.example")).startWhen(() -> true);

        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.countFor("etrn_client_started") == 2);
        assertThat(sink.messageIds()).containsExactlyInAnyOrderElementsOf(held);
        assertThat(requestLines()).containsExactly(
            "INFO ATRN to relay " + relay() + " node customer.test: 250 2.0.0 OK now reversing the connection; started, "
                + "2 messages (start-up, attempt 1 of 2)",
            "INFO ATRN to relay " + relay() + " node customer.example: 250 2.0.0 OK now reversing the connection; "
                + "started, 2 messages (start-up, attempt 1 of 2)");
    }

    @Test
    void onDemandNothingWaitingIs453AndAWrongSecretIsRefusedNotRetried() throws Exception {
        List<RequestReport> nothing = client(SECRET, Node.domain("customer.test")).requestNow(Optional.empty()).orElseThrow();
        assertThat(nothing).singleElement().satisfies(report -> {
            assertThat(report.result().outcome()).isEqualTo(ClientOutcome.NOTHING_WAITING);
            assertThat(report.result().reply()).contains("453 4.2.0 You have no mail");
            assertThat(EtrnRequestDTO.of(report).getCount()).contains(0L);
        });
        client.stop();

        hold.hold("customer.test", "alice");
        List<RequestReport> refused = client("not the secret", Node.domain("customer.test")).requestNow(Optional.empty())
            .orElseThrow();
        assertThat(refused).singleElement().satisfies(report -> {
            assertThat(report.result().outcome()).isEqualTo(ClientOutcome.REFUSED);
            assertThat(report.result().reply()).contains("535 5.7.8 Authentication credentials invalid");
            assertThat(report.retryIn()).isEmpty();
        });
        assertThat(sink.received()).isEmpty();
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
            .noneMatch(line -> line.contains(SECRET) || line.contains("not the secret"));
    }

    @Test
    void aDomainTheProviderDoesNotGiveThisCustomerIsDeferredAndRetried() {
        List<RequestReport> reports = client(SECRET, Node.domain("customer.test"), Node.domain("someone-else.test"))
            .requestNow(Optional.empty()).orElseThrow();

        assertThat(reports).hasSize(2).allSatisfy(report -> {
            assertThat(report.result().outcome()).isEqualTo(ClientOutcome.DEFERRED);
            assertThat(report.result().reply()).contains("450 4.7.1 ATRN request refused: someone-else.test is not yours");
            assertThat(report.retryIn()).contains(Duration.ofMillis(50));
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.countFor("etrn_client_gave_up") == 2);
    }

    @Test
    void withNowhereToPutTheMailNoAtrnIsSent() throws Exception {
        hold.hold("customer.test", "alice");
        UpstreamRelay relay = UpstreamRelay.of("odmr", RelayProtocol.ODMR, "127.0.0.1", provider.address().orElseThrow().getPort(),
            StartTls.OFF, Optional.of(Credentials.of("site", SECRET)), List.of(Node.domain("customer.test")), Optional.empty());
        client = new EtrnClient(EtrnClientConfiguration.of(List.of(relay), Optional.empty(), Duration.ofSeconds(10),
            Optional.empty(), BACKOFF), metrics);

        List<RequestReport> reports = client.requestNow(Optional.empty()).orElseThrow();

        assertThat(reports).singleElement().satisfies(report -> {
            assertThat(report.result().outcome()).isEqualTo(ClientOutcome.UNREACHABLE);
            assertThat(report.result().reason()).startsWith("no SMTP server of this James listens");
        });
        assertThat(hold.touched()).isFalse();
    }
}
