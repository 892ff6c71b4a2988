package org.jamesetrn.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.apache.james.core.Username;
import org.jamesetrn.node.Node;
import org.jamesetrn.protocol.TestRelay;
import org.jamesetrn.release.RecordingRelease;
import org.jamesetrn.release.ReleaseException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.google.common.collect.ImmutableList;

/** One session with a real SMTP server (James's protocol server with our ETRN handler): EHLO, STARTTLS, AUTH, ETRNs. */
class EtrnSessionTest {
    static final String USER = "site@customer.test";
    static final String PASSWORD = "s3cret-Pa55, with comma";
    static final Node CUSTOMER = Node.domain("customer.test");
    static final Node SUBDOMAINS = Node.domainAndSubdomains("customer.test");
    static final Node UNSERVED = Node.domain("other.test");

    private final EtrnSession session = new EtrnSession(Duration.ofSeconds(10), Optional.of("site.customer.test"));
    private TestRelay relay;

    @AfterEach
    void stop() {
        if (relay != null) {
            relay.close();
        }
    }

    /** Named "localhost": the test certificate names it, and JavaMail 1.6 matches only DNS names, not addresses. */
    static UpstreamRelay relay(int port, StartTls startTls, Optional<Credentials> credentials, Node... nodes) {
        return relay("provider", port, startTls, credentials, nodes);
    }

    static UpstreamRelay relay(String name, int port, StartTls startTls, Optional<Credentials> credentials, Node... nodes) {
        return UpstreamRelay.of(name, "localhost", port, startTls, credentials, ImmutableList.copyOf(nodes));
    }

    private List<RequestResult> ask(StartTls startTls, Optional<Credentials> credentials, Node... nodes) {
        UpstreamRelay upstream = relay(relay.port(), startTls, credentials, nodes);
        return session.ask(upstream, upstream.nodes());
    }

    @Test
    void oneEtrnPerNodeOnOneSessionWithTheRelaysRepliesAndCounts() throws Exception {
        relay = TestRelay.builder().start();

        List<RequestResult> results = ask(StartTls.OFF, Optional.empty(), CUSTOMER, SUBDOMAINS, UNSERVED);

        assertThat(results).extracting(RequestResult::node).containsExactly(CUSTOMER, SUBDOMAINS, UNSERVED);
        assertThat(results).extracting(RequestResult::outcome)
            .containsExactly(ClientOutcome.STARTED, ClientOutcome.STARTED, ClientOutcome.REFUSED);
        assertThat(results.get(0).reply()).contains("253 2.0.0 OK, 3 pending messages for node customer.test started");
        assertThat(results.get(0).count()).hasValue(3);
        assertThat(results.get(2).reply()).hasValueSatisfying(reply -> assertThat(reply).startsWith("459 4.7.1"));
        assertThat(relay.received()).extracting(TestRelay.Received::argument)
            .containsExactly("customer.test", "@customer.test", "other.test");
        assertThat(relay.release().released()).containsExactly(CUSTOMER, SUBDOMAINS);
    }

    @Test
    void nothingWaitingCountsZero() throws Exception {
        relay = TestRelay.builder().release(new RecordingRelease().startingCount(0)).start();

        RequestResult result = ask(StartTls.OFF, Optional.empty(), CUSTOMER).get(0);

        assertThat(result.outcome()).isEqualTo(ClientOutcome.NOTHING_WAITING);
        assertThat(result.reply()).contains("251 2.0.0 OK, no messages waiting for node customer.test");
        assertThat(result.count()).hasValue(0);
    }

    @Test
    void a250WithoutCountIsQueuingStarted() throws Exception {
        relay = TestRelay.builder()
            .handlerOptions("<allowedNetworks>127.0.0.0/8</allowedNetworks><nodes>customer.test</nodes><replies>private</replies>")
            .start();

        RequestResult result = ask(StartTls.OFF, Optional.empty(), CUSTOMER).get(0);

        assertThat(result.outcome()).isEqualTo(ClientOutcome.QUEUING_STARTED);
        assertThat(result.count()).isEmpty();
    }

    @Test
    void a458IsDeferred() throws Exception {
        relay = TestRelay.builder().release(new RecordingRelease().failingWith(new ReleaseException("queue down"))).start();

        RequestResult result = ask(StartTls.OFF, Optional.empty(), CUSTOMER).get(0);

        assertThat(result.outcome()).isEqualTo(ClientOutcome.DEFERRED);
        assertThat(result.outcome().retried()).isTrue();
        assertThat(result.reply()).hasValueSatisfying(reply -> assertThat(reply).startsWith("458 4.3.0"));
    }

    @Test
    void aRelayWhoseEhloDoesNotListEtrnGetsNoEtrn() throws Exception {
        relay = TestRelay.builder().withoutEtrnInEhlo().start();

        List<RequestResult> results = ask(StartTls.OFF, Optional.empty(), CUSTOMER, SUBDOMAINS);

        assertThat(results).extracting(RequestResult::outcome).containsOnly(ClientOutcome.NOT_OFFERED);
        assertThat(results.get(0).reason()).contains("does not offer ETRN");
        assertThat(relay.received()).isEmpty();
    }

    @Test
    void aRelayThatIsDownIsUnreachable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        UpstreamRelay down = relay(port, StartTls.OPPORTUNISTIC, Optional.empty(), CUSTOMER, SUBDOMAINS);

        List<RequestResult> results = session.ask(down, down.nodes());

        assertThat(results).extracting(RequestResult::outcome).containsOnly(ClientOutcome.UNREACHABLE);
        assertThat(results.get(0).reason()).contains("ConnectException");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "hangs up before greeting||UNREACHABLE",
        "busy|421 4.3.2 try later|DEFERRED",
        "refuses|554 5.7.1 no service for you|REFUSED"})
    void aRelayThatDoesNotGreetIsRetriedOnlyWhenThatIsTemporary(String relayBehaviour, String greeting,
                                                                 ClientOutcome outcome) throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread relayThread = new Thread(() -> {
                try (Socket connection = listener.accept()) {
                    if (greeting != null) {
                        connection.getOutputStream().write((greeting + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    }
                } catch (IOException e) {
                    // the test fails on the client side if it does not get this far
                }
            });
            relayThread.start();
            UpstreamRelay upstream = UpstreamRelay.of("provider", "127.0.0.1", listener.getLocalPort(), StartTls.OFF,
                Optional.empty(), ImmutableList.of(CUSTOMER));

            RequestResult result = session.ask(upstream, upstream.nodes()).get(0);

            assertThat(result.outcome()).as(result.reason()).isEqualTo(outcome);
            relayThread.join();
        }
    }

    @Test
    void requiredStartTlsAgainstARelayWithoutItSendsNothing() throws Exception {
        relay = TestRelay.builder().start();

        RequestResult result = ask(StartTls.REQUIRED, Optional.empty(), CUSTOMER).get(0);

        assertThat(result.outcome()).isEqualTo(ClientOutcome.REFUSED);
        assertThat(result.reason()).contains("STARTTLS");
        assertThat(relay.received()).isEmpty();
    }

    @Test
    void requiredStartTlsWithATrustedCertificate() throws Exception {
        relay = TestRelay.builder().startTls("relay.p12").start();

        RequestResult result = ask(StartTls.REQUIRED, Optional.empty(), CUSTOMER).get(0);

        assertThat(result.outcome()).as(result.reply().orElse(result.reason())).isEqualTo(ClientOutcome.STARTED);
        assertThat(relay.received()).extracting(TestRelay.Received::tls).containsExactly(true);
    }

    @Test
    void opportunisticStartTlsUsesTlsWhenOffered() throws Exception {
        relay = TestRelay.builder().startTls("relay.p12").start();

        ask(StartTls.OPPORTUNISTIC, Optional.empty(), CUSTOMER);

        assertThat(relay.received()).extracting(TestRelay.Received::tls).containsExactly(true);
    }

    @Test
    void opportunisticStartTlsGoesOnInPlainTextWhenNotOffered() throws Exception {
        relay = TestRelay.builder().start();

        RequestResult result = ask(StartTls.OPPORTUNISTIC, Optional.empty(), CUSTOMER).get(0);

        assertThat(result.outcome()).as(result.reply().orElse(result.reason())).isEqualTo(ClientOutcome.STARTED);
        assertThat(relay.received()).extracting(TestRelay.Received::tls).containsExactly(false);
    }

    @Test
    void startTlsOffNeverStartsTls() throws Exception {
        relay = TestRelay.builder().startTls("relay.p12").start();

        ask(StartTls.OFF, Optional.empty(), CUSTOMER);

        assertThat(relay.received()).extracting(TestRelay.Received::tls).containsExactly(false);
    }

    @Test
    void anUntrustedCertificateIsRefusedNotRetried() throws Exception {
        relay = TestRelay.builder().startTls("untrusted.p12").start();

        RequestResult result = ask(StartTls.OPPORTUNISTIC, Optional.empty(), CUSTOMER).get(0);

        assertThat(result.outcome()).isEqualTo(ClientOutcome.REFUSED);
        assertThat(relay.received()).isEmpty();
    }

    @Test
    void aCertificateThatDoesNotNameTheRelayIsRefusedNotRetried() throws Exception {
        relay = TestRelay.builder().startTls("relay.p12").start();
        UpstreamRelay byAddress = UpstreamRelay.of("provider", "127.0.0.1", relay.port(), StartTls.REQUIRED,
            Optional.empty(), ImmutableList.of(CUSTOMER));

        RequestResult result = session.ask(byAddress, byAddress.nodes()).get(0);

        assertThat(result.outcome()).isEqualTo(ClientOutcome.REFUSED);
        assertThat(result.reason()).contains("Can't verify identity of server");
        assertThat(relay.received()).isEmpty();
    }

    @Test
    void authenticatesOverTlsThenAsks() throws Exception {
        relay = authOnlyRelay().startTls("relay.p12").start();

        RequestResult result = ask(StartTls.REQUIRED, Optional.of(Credentials.of(USER, PASSWORD)), CUSTOMER).get(0);

        assertThat(result.outcome()).as(result.reply().orElse(result.reason())).isEqualTo(ClientOutcome.STARTED);
        assertThat(relay.received()).singleElement().satisfies(received -> {
            assertThat(received.tls()).isTrue();
            assertThat(received.user()).contains(Username.of(USER));
        });
    }

    @Test
    void aRejectedPasswordIsRefusedAndNoEtrnIsSent() throws Exception {
        relay = authOnlyRelay().start();

        RequestResult result = ask(StartTls.OFF, Optional.of(Credentials.of(USER, "wrong")), CUSTOMER).get(0);

        assertThat(result.outcome()).isEqualTo(ClientOutcome.REFUSED);
        assertThat(result.reason()).contains("535");
        assertThat(relay.received()).isEmpty();
    }

    @Test
    void configuredAuthThatTheRelayDoesNotOfferSendsNoEtrn() throws Exception {
        relay = TestRelay.builder().start();

        RequestResult result = ask(StartTls.OFF, Optional.of(Credentials.of(USER, PASSWORD)), CUSTOMER).get(0);

        assertThat(result.outcome()).isEqualTo(ClientOutcome.REFUSED);
        assertThat(result.reason()).contains("does not offer AUTH");
        assertThat(relay.received()).isEmpty();
    }

    /** Only an authenticated client may ask: a 253 proves the AUTH. */
    static TestRelay.Builder authOnlyRelay() {
        return TestRelay.builder()
            .handlerOptions("<allowRelayingClients>false</allowRelayingClients><nodes>customer.test</nodes>")
            .auth(USER, PASSWORD);
    }
}
