package org.jamesetrn.odmr.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import javax.net.ssl.SSLContext;

import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.jamesetrn.odmr.CramMd5;
import org.jamesetrn.odmr.SmtpConnection;
import org.jamesetrn.odmr.SmtpReply;
import org.jamesetrn.odmr.TestHold;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * The ODMR listener's initial and authenticated states over real sockets (RFC 2645 sections 5.1, 5.2, 7), against a
 * hold that records whether it was looked into: every refusal comes before any held mail is touched.
 */
class OdmrListenerTest {
    static final String SECRET = "tanstaaf, tanstaaf";
    static final Customer EXAMPLE = Customer.of("example.org", SECRET, List.of("example.org", "example.com"));
    static final Customer OTHER = Customer.of("other", "other-secret", List.of("other.test"));

    private final TestHold hold = new TestHold();
    private final RecordingMetricFactory metrics = new RecordingMetricFactory();
    private final List<OdmrListener> listeners = new ArrayList<>();
    private final List<SmtpConnection> connections = new ArrayList<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger odmrLogger = (Logger) LoggerFactory.getLogger("org.jamesetrn.odmr");
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private Level previousLevel;

    @BeforeEach
    void captureLogs() {
        previousLevel = odmrLogger.getLevel();
        odmrLogger.setLevel(Level.DEBUG);
        logs.start();
        root.addAppender(logs);
    }

    @AfterEach
    void stop() {
        connections.forEach(SmtpConnection::close);
        listeners.forEach(OdmrListener::stop);
        root.detachAppender(logs);
        odmrLogger.setLevel(previousLevel);
    }

    static OdmrSettings.Builder settings() {
        return OdmrSettings.builder()
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .helloName("provider.test")
            .turnaroundTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(10));
    }

    private OdmrListener listen(OdmrSettings.Builder settings) throws IOException {
        return listen(settings, Optional.empty());
    }

    private OdmrListener listen(OdmrSettings.Builder settings, Optional<SSLContext> tls) throws IOException {
        OdmrListener listener = new OdmrListener(settings.build(), Customers.of(List.of(EXAMPLE, OTHER)),
            Optional.of(hold), metrics, tls);
        listener.start();
        listeners.add(listener);
        return listener;
    }

    private SmtpConnection connect(OdmrListener listener) throws IOException {
        SmtpConnection connection = new SmtpConnection(new Socket(InetAddress.getLoopbackAddress(),
            listener.address().orElseThrow().getPort()));
        connection.timeout(Duration.ofSeconds(10));
        connections.add(connection);
        return connection;
    }

    private static SmtpReply command(SmtpConnection connection, String line) throws IOException {
        return connection.send(line).readReply();
    }

    /** Greeting, EHLO, AUTH CRAM-MD5: the reply to the answer. */
    static SmtpReply authenticate(SmtpConnection connection, String user, String secret) throws IOException {
        assertThat(connection.readReply().code()).isEqualTo(220);
        assertThat(command(connection, "EHLO customer.test").code()).isEqualTo(250);
        SmtpReply challenge = command(connection, "AUTH CRAM-MD5");
        assertThat(challenge.code()).isEqualTo(334);
        String answer = CramMd5.answer(user, secret, CramMd5.unbase64(challenge.texts().get(0)));
        return command(connection, CramMd5.base64(answer));
    }

    @Test
    void greetsAndListsAuthCramMd5AndAtrnButNoStartTlsWithoutAKey() throws Exception {
        SmtpConnection connection = connect(listen(settings()));

        assertThat(connection.readReply().lines().get(0)).startsWith("220 provider.test ");
        SmtpReply ehlo = command(connection, "EHLO customer.test");
        assertThat(ehlo.texts()).containsExactly("provider.test on-demand mail relay", "ENHANCEDSTATUSCODES",
            "AUTH CRAM-MD5", "ATRN");
        assertThat(command(connection, "STARTTLS").code()).isEqualTo(502);
        assertThat(command(connection, "QUIT").code()).isEqualTo(221);
    }

    @Test
    void aRightSecretAuthenticatesAndTheNextAtrnNamesTheCustomersDomains() throws Exception {
        SmtpConnection connection = connect(listen(settings()));

        assertThat(authenticate(connection, "example.org", SECRET).lines()).containsExactly("235 2.7.0 Authentication successful");
        assertThat(command(connection, "ATRN").lines()).containsExactly("453 4.2.0 You have no mail");
        assertThat(hold.touched()).isTrue();
        assertThat(metrics.countForPrefixName("odmr_auth_succeeded")).containsEntry("odmr_auth_succeeded", 1);
        assertThat(lines()).anyMatch(line -> line.startsWith(
            "ATRN from 127.0.0.1 customer example.org for example.org,example.com: 453 4.2.0 You have no mail"));
    }

    @Test
    void atrnBeforeAuthIs530AndTouchesNothing() throws Exception {
        hold.hold("example.org", "someone");
        SmtpConnection connection = connect(listen(settings()));
        connection.readReply();
        command(connection, "EHLO customer.test");

        assertThat(command(connection, "ATRN example.org").lines()).containsExactly("530 5.7.0 Authentication required");
        assertThat(command(connection, "ATRN").code()).isEqualTo(530);
        assertThat(hold.touched()).isFalse();
    }

    @Test
    void aWrongSecretOrAnUnknownCustomerIs535AndCountsAgainstTheAddress() throws Exception {
        OdmrListener listener = listen(settings().authFailures(3, Duration.ofHours(1)));

        SmtpConnection first = connect(listener);
        assertThat(authenticate(first, "example.org", "not the secret").lines())
            .containsExactly("535 5.7.8 Authentication credentials invalid");
        SmtpReply unknown = command(first, "AUTH CRAM-MD5");
        String answer = CramMd5.answer("nobody", SECRET, CramMd5.unbase64(unknown.texts().get(0)));
        assertThat(command(first, CramMd5.base64(answer)).code()).isEqualTo(535);
        assertThat(command(first, "ATRN").code()).as("still not authenticated").isEqualTo(530);

        SmtpConnection second = connect(listener);
        assertThat(authenticate(second, "example.org", "wrong again").code()).isEqualTo(535);
        SmtpReply challenge = command(second, "AUTH CRAM-MD5");
        answer = CramMd5.answer("example.org", "and again", CramMd5.unbase64(challenge.texts().get(0)));
        assertThat(command(second, CramMd5.base64(answer)).lines())
            .containsExactly("421 4.7.0 Too many authentication failures, closing the connection");
        assertThat(second.readLine()).as("closed").isNull();

        SmtpConnection third = connect(listener);
        assertThat(third.readReply().lines())
            .containsExactly("421 4.7.0 Too many authentication failures from your address, try again later");
        assertThat(hold.touched()).isFalse();
        assertThat(metrics.countForPrefixName("odmr_auth_failed")).containsEntry("odmr_auth_failed", 4);
    }

    @Test
    void atrnForADomainTheCustomerDoesNotOwnIs450AndTouchesNothing() throws Exception {
        hold.hold("example.org", "someone");
        hold.hold("other.test", "someone");
        SmtpConnection connection = connect(listen(settings()));
        authenticate(connection, "example.org", SECRET);

        assertThat(command(connection, "ATRN example.org,other.test").lines())
            .containsExactly("450 4.7.1 ATRN request refused: other.test is not yours");
        assertThat(command(connection, "ATRN unknown.test").code()).isEqualTo(450);
        assertThat(hold.touched()).isFalse();
        assertThat(command(connection, "NOOP").code()).as("the session goes on").isEqualTo(250);
    }

    @Test
    void atrnArgumentsThatAreNoDomainsAre501() throws Exception {
        SmtpConnection connection = connect(listen(settings()));
        authenticate(connection, "example.org", SECRET);

        for (String bad : List.of("#outgoing", "@example.org", "example.org,,example.com", "[127.0.0.1]", "a..b",
            "example.org example.com")) {
            SmtpReply reply = command(connection, "ATRN " + bad);
            assertThat(reply.code()).as("ATRN %s", bad).isEqualTo(501);
            assertThat(reply.lines().get(0)).doesNotContain(bad);
        }
        assertThat(hold.touched()).isFalse();
    }

    @Test
    void aHoldThatCannotBeReadIs451() throws Exception {
        hold.failing(true);
        SmtpConnection connection = connect(listen(settings()));
        authenticate(connection, "example.org", SECRET);

        assertThat(command(connection, "ATRN example.org").lines()).containsExactly("451 4.3.0 Unable to process ATRN request now");
        assertThat(command(connection, "QUIT").code()).isEqualTo(221);
    }

    @Test
    void withoutAHoldAtrnIs451() throws Exception {
        OdmrListener listener = new OdmrListener(settings().build(), Customers.of(List.of(EXAMPLE)), Optional.empty(),
            metrics, Optional.empty());
        listener.start();
        listeners.add(listener);
        SmtpConnection connection = connect(listener);
        authenticate(connection, "example.org", SECRET);

        assertThat(command(connection, "ATRN").code()).isEqualTo(451);
    }

    @Test
    void aSecondAtrnOfTheSameCustomerWhileOneRunsIs450() throws Exception {
        hold.hold("example.org", "someone");
        OdmrListener listener = listen(settings());
        SmtpConnection first = connect(listener);
        authenticate(first, "example.org", SECRET);
        // The turnaround starts and waits for the customer's 220, which never comes.
        assertThat(command(first, "ATRN").code()).isEqualTo(250);

        SmtpConnection second = connect(listener);
        authenticate(second, "example.org", SECRET);
        assertThat(command(second, "ATRN example.com").lines())
            .containsExactly("450 4.7.0 ATRN request refused: your mail is being delivered on another connection");
        SmtpConnection otherCustomer = connect(listener);
        authenticate(otherCustomer, "other", "other-secret");
        assertThat(command(otherCustomer, "ATRN").code()).as("another customer").isEqualTo(453);

        first.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> hold.turnsClosed() == 1);
        assertThat(hold.noClaimLeft()).isTrue();
        assertThat(hold.stillHeld()).hasSize(1);
        SmtpConnection third = connect(listener);
        authenticate(third, "example.org", SECRET);
        assertThat(command(third, "ATRN example.com").code()).as("the first turnaround has ended").isEqualTo(453);
    }

    @Test
    void sessionsAreBoundedPerAddressAndInAll() throws Exception {
        OdmrListener perAddress = listen(settings().maxSessionsPerAddress(2).maxSessions(10));
        connect(perAddress).readReply();
        connect(perAddress).readReply();
        assertThat(connect(perAddress).readReply().lines()).containsExactly("421 4.7.0 Too many connections, try again later");

        OdmrListener inAll = listen(settings().maxSessionsPerAddress(5).maxSessions(1));
        SmtpConnection only = connect(inAll);
        only.readReply();
        assertThat(connect(inAll).readReply().code()).isEqualTo(421);
        command(only, "QUIT");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (SmtpConnection again = connect(inAll)) {
                assertThat(again.readReply().code()).isEqualTo(220);
            }
        });
    }

    @Test
    void anIdleCustomerIsDroppedWithA421() throws Exception {
        SmtpConnection connection = connect(listen(settings().idleTimeout(Duration.ofMillis(300))));
        connection.readReply();
        command(connection, "EHLO customer.test");

        assertThat(connection.readReply().lines()).containsExactly("421 4.4.2 provider.test idle for too long, closing the connection");
        assertThat(connection.readLine()).isNull();
    }

    @Test
    void badInputGetsAClearReplyAndTooMuchOfItEndsTheSession() throws Exception {
        SmtpConnection connection = connect(listen(settings()));
        connection.readReply();

        assertThat(command(connection, "AUTH CRAM-MD5").lines()).containsExactly("503 5.5.1 EHLO first");
        assertThat(command(connection, "EHLO").code()).isEqualTo(501);
        command(connection, "EHLO customer.test");
        assertThat(command(connection, "MAIL FROM:<a@b.test>").lines().get(0)).startsWith("502 5.5.1 ");
        assertThat(command(connection, "AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=").code()).isEqualTo(504);
        assertThat(command(connection, "AUTH CRAM-MD5 initial").code()).isEqualTo(501);
        assertThat(command(connection, "AUTH CRAM-MD5").code()).isEqualTo(334);
        assertThat(command(connection, "*").lines()).containsExactly("501 5.0.0 AUTH aborted");
        command(connection, "AUTH CRAM-MD5");
        assertThat(command(connection, "not base64 !").code()).isEqualTo(501);
        connection.output().write("EHLO caf\u00e9.test\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(connection.flush().readReply().lines()).containsExactly("500 5.5.2 Syntax error: 8-bit or control characters");
        char[] longLine = new char[2000];
        Arrays.fill(longLine, 'x');
        assertThat(command(connection, new String(longLine)).lines()).containsExactly("500 5.5.2 Line too long");
        assertThat(command(connection, "NOOP").code()).isEqualTo(250);

        assertThat(command(connection, "").code()).as("the tenth error").isEqualTo(500);
        assertThat(connection.readReply().lines()).containsExactly("421 4.7.0 Too many errors, closing the connection");
        assertThat(lines()).noneMatch(line -> line.contains("Exception"));
    }

    @Test
    void startTlsIsOfferedWithAKeyAndWhenRequiredAuthWaitsForIt() throws Exception {
        SmtpConnection connection = connect(listen(settings().tls(new OdmrSettings.Tls("relay.p12", "PKCS12", "changeit",
            true)), Optional.of(testTls())));
        connection.readReply();

        assertThat(command(connection, "EHLO customer.test").texts()).containsExactly("provider.test on-demand mail relay",
            "ENHANCEDSTATUSCODES", "STARTTLS", "ATRN");
        assertThat(command(connection, "AUTH CRAM-MD5").lines()).containsExactly("530 5.7.0 Must issue a STARTTLS command first");
        assertThat(command(connection, "STARTTLS").code()).isEqualTo(220);
        connection.startTls(SSLContext.getDefault(), "localhost", true);
        assertThat(command(connection, "AUTH CRAM-MD5").code()).as("EHLO again first").isEqualTo(503);
        assertThat(command(connection, "EHLO customer.test").texts()).containsExactly("provider.test on-demand mail relay",
            "ENHANCEDSTATUSCODES", "AUTH CRAM-MD5", "ATRN");
        SmtpReply challenge = command(connection, "AUTH CRAM-MD5");
        String answer = CramMd5.answer("example.org", SECRET, CramMd5.unbase64(challenge.texts().get(0)));
        assertThat(command(connection, CramMd5.base64(answer)).code()).isEqualTo(235);
        assertThat(command(connection, "STARTTLS").code()).isEqualTo(503);
    }

    @Test
    void noSecretEverReachesALogLine() throws Exception {
        OdmrListener listener = listen(settings());
        authenticate(connect(listener), "example.org", SECRET);
        authenticate(connect(listener), "example.org", "a wrong secret");
        authenticate(connect(listener), "other", "other-secret");

        assertThat(lines()).isNotEmpty();
        for (String secret : List.of(SECRET, "other-secret", "a wrong secret")) {
            assertThat(lines()).noneMatch(line -> line.contains(secret) || line.contains(CramMd5.base64(secret)));
        }
        assertThat(EXAMPLE.toString()).isEqualTo("example.org");
        assertThat(Customers.of(List.of(EXAMPLE, OTHER)).toString()).doesNotContain(SECRET);
    }

    /** The test relay's key (CN=localhost), which the module's test JVM trusts. */
    static SSLContext testTls() throws Exception {
        try (InputStream in = OdmrListenerTest.class.getResourceAsStream("/tls/relay.p12")) {
            return OdmrListener.serverContext(in, "PKCS12", "changeit".toCharArray());
        }
    }

    private List<String> lines() {
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent event : new ArrayList<>(logs.list)) {
            lines.add(event.getFormattedMessage() + " " + event.getMDCPropertyMap()
                + (event.getThrowableProxy() == null ? "" : " " + event.getThrowableProxy().getMessage()));
        }
        return lines;
    }

    @Test
    void itsHealthCheckIsHealthyWhileItListensAndUnhealthyOnceItStopped() throws Exception {
        OdmrSettings.Builder settings = settings();
        OdmrListener listener = listen(settings);
        OdmrHealthCheck health = new OdmrHealthCheck(listener, settings.build());
        assertThat(reactor.core.publisher.Mono.from(health.check()).block().isHealthy()).isTrue();

        listener.stop();

        org.apache.james.core.healthcheck.Result stopped = reactor.core.publisher.Mono.from(health.check()).block();
        assertThat(stopped.isUnHealthy()).isTrue();
        assertThat(stopped.getCause()).hasValueSatisfying(cause -> assertThat(cause).startsWith("not listening on"));
    }
}
