package org.jamesetrn.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import org.apache.james.core.healthcheck.Result;
import org.apache.james.core.healthcheck.ResultStatus;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.jamesetrn.node.Node;
import org.jamesetrn.protocol.TestRelay;
import org.jamesetrn.release.RecordingRelease;
import org.jamesetrn.release.ReleaseException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;

import com.google.common.collect.ImmutableList;

import reactor.core.publisher.Mono;

/** The client's triggers, retries, log lines and counters, against real SMTP relays on loopback. */
class EtrnClientTest {
    private static final Node CUSTOMER = Node.domain("customer.test");
    private static final Node OTHER = Node.domain("other.test");
    private static final Node SUB = Node.domain("sub.customer.test");
    private static final Duration FIRST_DELAY = Duration.ofMillis(50);
    private static final Backoff BACKOFF = Backoff.of(3, FIRST_DELAY, Duration.ofMillis(100));

    private final RecordingMetricFactory metrics = new RecordingMetricFactory();
    private final List<TestRelay> relays = new ArrayList<>();
    private final List<EtrnClient> clients = new ArrayList<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger clientLogger = (Logger) LoggerFactory.getLogger("org.jamesetrn.client");
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private Level previousLevel;

    @BeforeEach
    void captureLogs() {
        previousLevel = clientLogger.getLevel();
        clientLogger.setLevel(Level.INFO);
        logs.start();
        root.addAppender(logs);
    }

    @AfterEach
    void stop() {
        clients.forEach(EtrnClient::stop);
        relays.forEach(TestRelay::close);
        root.detachAppender(logs);
        clientLogger.setLevel(previousLevel);
    }

    private TestRelay relay(TestRelay.Builder builder) throws Exception {
        TestRelay relay = builder.start();
        relays.add(relay);
        return relay;
    }

    private EtrnClient client(Optional<Duration> interval, Backoff backoff, UpstreamRelay... upstream) {
        EtrnClient client = new EtrnClient(EtrnClientConfiguration.of(ImmutableList.copyOf(upstream), interval,
            Duration.ofSeconds(10), Optional.of("site.customer.test"), backoff), metrics);
        clients.add(client);
        return client;
    }

    private static UpstreamRelay upstream(String name, int port, Node... nodes) {
        return EtrnSessionTest.relay(name, port, StartTls.OFF, Optional.empty(), nodes);
    }

    private List<String> received(TestRelay relay) {
        return relay.received().stream().map(TestRelay.Received::argument).collect(ImmutableList.toImmutableList());
    }

    private List<String> requestLines() {
        return logs.list.stream()
            .filter(event -> event.getLoggerName().equals(ClientAudit.class.getName()))
            .map(event -> event.getLevel() + " " + event.getFormattedMessage())
            .collect(ImmutableList.toImmutableList());
    }

    @Test
    void theStartUpRequestWaitsUntilJamesIsReadyWithoutBlockingIt() throws Exception {
        TestRelay relay = relay(TestRelay.builder());
        AtomicBoolean smtpListening = new AtomicBoolean(false);
        AtomicInteger checks = new AtomicInteger();
        EtrnClient client = client(Optional.empty(), BACKOFF, upstream("provider", relay.port(), CUSTOMER));

        client.startWhen(() -> checks.incrementAndGet() > 0 && smtpListening.get());

        await().atMost(Duration.ofSeconds(10)).until(() -> checks.get() >= 3);
        assertThat(relay.received()).as("nothing is asked before James's SMTP server listens").isEmpty();
        smtpListening.set(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.countFor("etrn_client_started") == 1);
        assertThat(received(relay)).containsExactly("customer.test");
        assertThat(requestLines()).containsExactly("INFO ETRN to relay provider (localhost:" + relay.port() + ") node "
            + "customer.test: 253 2.0.0 OK, 3 pending messages for node customer.test started; started, 3 messages "
            + "(start-up, attempt 1 of 3)");
        assertThat(metrics.countFor("etrn_client_started")).isEqualTo(1);
    }

    @Test
    void everyIntervalTheRelaysAreAskedAgain() throws Exception {
        TestRelay relay = relay(TestRelay.builder());
        EtrnClient client = client(Optional.of(Duration.ofMillis(100)), BACKOFF,
            upstream("provider", relay.port(), CUSTOMER));

        client.startWhen(() -> true);

        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.countFor("etrn_client_started") >= 3);
        assertThat(requestLines()).first().asString().contains("(start-up, attempt 1 of 3)");
        assertThat(requestLines()).element(1).asString().contains("(interval, attempt 1 of 3)");
    }

    @Test
    void noRelayListedMeansNothingIsAsked() {
        EtrnClient client = client(Optional.of(Duration.ofMillis(10)), BACKOFF);

        client.startWhen(() -> true);

        assertThat(client.requestNow(Optional.empty())).contains(List.of());
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
            .contains("ETRN client: no relay listed in etrn-client.properties, nothing to ask for");
    }

    @Test
    void a458IsRetriedWithTheBackoffUntilItSucceeds() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        TestRelay relay = relay(TestRelay.builder().release(new RecordingRelease().answering(node ->
            asked.incrementAndGet() <= 2 ? CompletableFuture.failedFuture(new ReleaseException("busy"))
                : CompletableFuture.completedFuture(4L))));
        EtrnClient client = client(Optional.empty(), BACKOFF, upstream("provider", relay.port(), CUSTOMER));

        List<RequestReport> first = client.requestNow(Optional.empty()).orElseThrow();

        assertThat(first).singleElement().satisfies(report -> {
            assertThat(report.result().outcome()).isEqualTo(ClientOutcome.DEFERRED);
            assertThat(report.retryIn()).contains(FIRST_DELAY);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.countFor("etrn_client_started") == 1);
        assertThat(received(relay)).containsExactly("customer.test", "customer.test", "customer.test");
        assertThat(requestLines()).containsExactly(
            line(relay, "customer.test: 458 4.3.0 Unable to queue messages for node customer.test; deferred "
                + "(WebAdmin, attempt 1 of 3); retry in 0.05s"),
            line(relay, "customer.test: 458 4.3.0 Unable to queue messages for node customer.test; deferred "
                + "(WebAdmin, attempt 2 of 3); retry in 0.1s"),
            line(relay, "customer.test: 253 2.0.0 OK, 4 pending messages for node customer.test started; started, "
                + "4 messages (WebAdmin, attempt 3 of 3)"));
        assertThat(metrics.countFor("etrn_client_deferred")).isEqualTo(2);
        assertThat(metrics.countFor(ClientAudit.GAVE_UP_METRIC)).isZero();
    }

    @Test
    void aPersistent458GivesUpAfterTheLastAttempt() throws Exception {
        TestRelay relay = relay(TestRelay.builder().release(new RecordingRelease().failingWith(new ReleaseException("down"))));
        EtrnClient client = client(Optional.empty(), BACKOFF, upstream("provider", relay.port(), CUSTOMER));

        client.requestNow(Optional.empty());

        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.countFor(ClientAudit.GAVE_UP_METRIC) == 1);
        assertThat(requestLines()).last().asString().endsWith("(WebAdmin, attempt 3 of 3); giving up until the next trigger");
        await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(2)).until(() -> relay.received().size() == 3);
        assertThat(metrics.countFor("etrn_client_deferred")).isEqualTo(3);
    }

    @Test
    void aRelayThatIsDownIsRetriedThenGivenUp() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        EtrnClient client = client(Optional.empty(), BACKOFF, upstream("down", port, CUSTOMER, OTHER));

        List<RequestReport> first = client.requestNow(Optional.empty()).orElseThrow();

        assertThat(first).extracting(report -> report.result().outcome()).containsOnly(ClientOutcome.UNREACHABLE);
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.countFor(ClientAudit.GAVE_UP_METRIC) == 2);
        assertThat(metrics.countFor("etrn_client_unreachable")).isEqualTo(6);
        assertThat(requestLines()).hasSize(6).allSatisfy(line -> assertThat(line)
            .startsWith("INFO ETRN to relay down (localhost:" + port + ") node ")
            .contains("Couldn't connect to host, port: localhost, " + port));
    }

    @Test
    void a459AndTheNodesThatSucceededAreNotAskedAgain() throws Exception {
        TestRelay relay = relay(TestRelay.builder()
            .handlerOptions("<allowedNetworks>127.0.0.0/8</allowedNetworks><nodes>@customer.test</nodes>")
            .release(new RecordingRelease().answering(node -> node.equals(SUB)
                ? CompletableFuture.failedFuture(new ReleaseException("busy")) : CompletableFuture.completedFuture(1L))));
        EtrnClient client = client(Optional.empty(), BACKOFF, upstream("provider", relay.port(), CUSTOMER, SUB, OTHER));

        client.requestNow(Optional.empty());

        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.countFor(ClientAudit.GAVE_UP_METRIC) == 1);
        assertThat(received(relay)).containsExactly("customer.test", "sub.customer.test", "other.test",
            "sub.customer.test", "sub.customer.test");
        assertThat(metrics.countFor("etrn_client_refused")).isEqualTo(1);
        assertThat(metrics.countFor("etrn_client_started")).isEqualTo(1);
        assertThat(requestLines()).element(2).asString()
            .contains("node other.test: 459 4.7.1 Node other.test not allowed: node not served by this server; refused")
            .doesNotContain("retry", "giving up");
    }

    @Test
    void aNewTriggerReplacesThePendingRetries() throws Exception {
        TestRelay relay = relay(TestRelay.builder().release(new RecordingRelease().failingWith(new ReleaseException("down"))));
        // Retries a second apart: the second trigger comes long before the first one's retry would.
        EtrnClient client = client(Optional.empty(), Backoff.of(3, Duration.ofSeconds(1), Duration.ofSeconds(1)),
            upstream("provider", relay.port(), CUSTOMER));

        client.requestNow(Optional.empty());
        client.requestNow(Optional.empty());

        // One attempt of the first trigger, three of the second: the first one's retries were cancelled.
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.countFor(ClientAudit.GAVE_UP_METRIC) == 1);
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> relay.received().size() == 4);
    }

    @Test
    void onDemandForOneRelayOrAll() throws Exception {
        TestRelay first = relay(TestRelay.builder());
        TestRelay second = relay(TestRelay.builder().withoutEtrnInEhlo());
        EtrnClient client = client(Optional.empty(), BACKOFF, upstream("first", first.port(), CUSTOMER),
            upstream("second", second.port(), CUSTOMER));

        assertThat(client.requestNow(Optional.of("first")).orElseThrow())
            .extracting(report -> report.result().relay().name(), report -> report.result().outcome())
            .containsExactly(org.assertj.core.groups.Tuple.tuple("first", ClientOutcome.STARTED));
        assertThat(client.requestNow(Optional.empty()).orElseThrow())
            .extracting(report -> report.result().outcome())
            .containsExactly(ClientOutcome.STARTED, ClientOutcome.NOT_OFFERED);
        assertThat(client.requestNow(Optional.of("third"))).isEmpty();
        assertThat(metrics.countFor("etrn_client_not_offered")).isEqualTo(1);
    }

    @Test
    void thePasswordNeverReachesALogLine() throws Exception {
        String password = EtrnSessionTest.PASSWORD;
        List<String> javaMailLogs = new CopyOnWriteArrayList<>();
        java.util.logging.Logger javaMail = java.util.logging.Logger.getLogger("com.sun.mail");
        java.util.logging.Level javaMailLevel = javaMail.getLevel();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                javaMailLogs.add(new java.util.logging.SimpleFormatter().format(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        javaMail.setLevel(java.util.logging.Level.ALL);
        javaMail.addHandler(handler);
        try {
            TestRelay accepting = relay(EtrnSessionTest.authOnlyRelay().startTls("relay.p12"));
            TestRelay plain = relay(EtrnSessionTest.authOnlyRelay());
            int down;
            try (ServerSocket socket = new ServerSocket(0)) {
                down = socket.getLocalPort();
            }
            Credentials credentials = Credentials.of(EtrnSessionTest.USER, password);
            Credentials wrong = Credentials.of(EtrnSessionTest.USER, password + "-wrong");
            EtrnClient client = client(Optional.empty(), Backoff.of(1, FIRST_DELAY, FIRST_DELAY),
                EtrnSessionTest.relay("tls", accepting.port(), StartTls.REQUIRED, Optional.of(credentials), CUSTOMER),
                EtrnSessionTest.relay("rejected", plain.port(), StartTls.OFF, Optional.of(wrong), CUSTOMER),
                EtrnSessionTest.relay("notls", plain.port(), StartTls.REQUIRED, Optional.of(credentials), CUSTOMER),
                EtrnSessionTest.relay("down", down, StartTls.OFF, Optional.of(credentials), CUSTOMER));

            assertThat(client.requestNow(Optional.empty()).orElseThrow())
                .extracting(report -> report.result().outcome())
                .containsExactly(ClientOutcome.STARTED, ClientOutcome.REFUSED, ClientOutcome.REFUSED, ClientOutcome.UNREACHABLE);
            assertThat(requestLines()).hasSize(4);
        } finally {
            javaMail.removeHandler(handler);
            javaMail.setLevel(javaMailLevel);
        }

        String plainToken = Base64.getEncoder().encodeToString(
            ("\0" + EtrnSessionTest.USER + "\0" + password).getBytes(StandardCharsets.UTF_8));
        String loginToken = Base64.getEncoder().encodeToString(password.getBytes(StandardCharsets.UTF_8));
        assertThat(logs.list).isNotEmpty().allSatisfy(event -> assertThat(everything(event))
            .doesNotContain(password, plainToken, loginToken));
        assertThat(javaMailLogs).isNotEmpty().allSatisfy(line -> assertThat(line)
            .doesNotContain(password, plainToken, loginToken));
    }

    private static String line(TestRelay relay, String rest) {
        return "INFO ETRN to relay provider (localhost:" + relay.port() + ") node " + rest;
    }

    /** Everything a log appender could write of an event. */
    private static String everything(ILoggingEvent event) {
        StringBuilder text = new StringBuilder(event.getFormattedMessage()).append(event.getMDCPropertyMap());
        if (event.getArgumentArray() != null) {
            for (Object argument : event.getArgumentArray()) {
                text.append(' ').append(argument);
            }
        }
        for (IThrowableProxy thrown = event.getThrowableProxy(); thrown != null; thrown = thrown.getCause()) {
            text.append(' ').append(thrown.getMessage());
        }
        return text.toString();
    }

    @Test
    void theHealthCheckIsDegradedWhileTheLastRequestToARelayFailed() throws Exception {
        TestRelay relay = relay(TestRelay.builder());
        int down;
        try (ServerSocket socket = new ServerSocket(0)) {
            down = socket.getLocalPort();
        }
        Backoff once = Backoff.of(1, FIRST_DELAY, FIRST_DELAY);
        EtrnClient client = client(Optional.empty(), once, upstream("provider", relay.port(), CUSTOMER),
            upstream("down", down, OTHER));
        EtrnClientHealthCheck check = new EtrnClientHealthCheck(client);
        assertThat(check.componentName().getName()).isEqualTo("ETRN client");
        assertThat(health(check).isHealthy()).as("nothing asked yet").isTrue();

        client.requestNow(Optional.of("provider"));
        assertThat(health(check).isHealthy()).isTrue();

        client.requestNow(Optional.empty());
        Result oneDown = health(check);
        assertThat(oneDown.getStatus()).isEqualTo(ResultStatus.DEGRADED);
        assertThat(oneDown.getCause()).hasValueSatisfying(cause -> assertThat(cause)
            .startsWith("relay down (localhost:" + down + ") node other.test: unreachable (Couldn't connect to host")
            .doesNotContain("provider"));

        int providerPort = relay.port();
        relay.close();
        client.requestNow(Optional.of("provider"));
        assertThat(health(check).getCause()).hasValueSatisfying(cause -> assertThat(cause)
            .startsWith("relay provider (localhost:" + providerPort + ") node customer.test: unreachable (")
            .contains("; relay down (localhost:" + down + ") node other.test: unreachable ("));
    }

    @Test
    void theHealthCheckIsHealthyWithNoRelayListed() {
        EtrnClient client = client(Optional.empty(), BACKOFF);

        assertThat(health(new EtrnClientHealthCheck(client)).isHealthy()).isTrue();
    }

    private static Result health(EtrnClientHealthCheck check) {
        return Mono.from(check.check()).block();
    }
}
