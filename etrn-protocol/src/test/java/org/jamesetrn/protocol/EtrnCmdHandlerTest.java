package org.jamesetrn.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.apache.commons.configuration2.XMLConfiguration;
import org.apache.commons.configuration2.convert.DisabledListDelimiterHandler;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.commons.configuration2.io.FileHandler;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.protocols.api.BaseRequest;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.smtp.SMTPSession;
import org.jamesetrn.node.Node;
import org.jamesetrn.policy.HandlerPolicies;
import org.jamesetrn.release.RecordingRelease;
import org.jamesetrn.release.ReleaseException;
import org.jamesetrn.release.UnknownQueueException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import com.google.common.net.InetAddresses;

/** The reply for every case, the session state, the reply modes, the reply timeout, metrics. */
class EtrnCmdHandlerTest {
    static final String DEMO = "<nodes>@customer.test, other.test</nodes><queues>outgoing-smarthost</queues>";

    private final RecordingRelease release = new RecordingRelease();
    private final FixedDomainList localDomains = new FixedDomainList("relay.local");
    private final RecordingMetricFactory metrics = new RecordingMetricFactory();
    private final ManualTicker ticker = new ManualTicker();
    private EtrnCmdHandler handler;

    @BeforeEach
    void setUp() throws Exception {
        handler = handler(DEMO);
    }

    private EtrnCmdHandler handler(String xml) throws ConfigurationException {
        EtrnCmdHandler created = new EtrnCmdHandler(release, localDomains, new LiteralDnsService(), metrics, ticker);
        created.init(TestConfigurations.handler(xml));
        return created;
    }

    private static SMTPSession trusted() {
        return TestSessions.afterEhlo("127.0.0.1", true);
    }

    private Response etrn(SMTPSession session, String argument) {
        return handler.onCommand(session, new BaseRequest("ETRN", argument));
    }

    private static String line(Response response) {
        return response.getRetCode() + " " + response.getLines().get(0).toString().substring(4);
    }

    @Test
    void advertisesEtrnInEhlo() {
        assertThat(handler.getImplementedEsmtpFeatures(trusted())).containsExactly("ETRN");
        assertThat(handler.getImplCommands()).containsExactly("ETRN");
    }

    @Nested
    class Detailed {
        @Test
        void countOfStartedMessages() {
            release.startingCount(3);

            assertThat(line(etrn(trusted(), "customer.test")))
                .isEqualTo("253 2.0.0 OK, 3 pending messages for node customer.test started");
            assertThat(release.released()).containsExactly(Node.domain("customer.test"));
        }

        @Test
        void noMessagesWaiting() {
            release.startingCount(0);

            assertThat(line(etrn(trusted(), "@customer.test")))
                .isEqualTo("251 2.0.0 OK, no messages waiting for node @customer.test");
            assertThat(release.released()).containsExactly(Node.domainAndSubdomains("customer.test"));
        }

        @Test
        void subdomainOfAServedTree() {
            release.startingCount(1);

            assertThat(etrn(trusted(), "Sub.Customer.Test.").getRetCode()).isEqualTo("253");
            assertThat(release.released()).containsExactly(Node.domain("sub.customer.test"));
        }

        @Test
        void queue() {
            release.startingCount(2);

            assertThat(line(etrn(trusted(), "#outgoing-smarthost")))
                .isEqualTo("253 2.0.0 OK, 2 pending messages for node #outgoing-smarthost started");
            assertThat(release.released()).containsExactly(Node.queue("outgoing-smarthost"));
        }
    }

    @Test
    void privateRepliesHideTheCount() throws Exception {
        handler = handler(DEMO + "<replies>private</replies>");
        release.startingCount(3);

        assertThat(line(etrn(trusted(), "customer.test")))
            .isEqualTo("250 2.0.0 OK, queuing for node customer.test started");
        release.startingCount(0);
        assertThat(etrn(trusted(), "customer.test").getRetCode()).isEqualTo("250");
        assertThat(release.released()).hasSize(2);
    }

    @Test
    void privateRepliesStillRefuse() throws Exception {
        handler = handler(DEMO + "<replies>private</replies>");

        assertThat(etrn(trusted(), "unlisted.test").getRetCode()).isEqualTo("459");
        assertThat(release.released()).isEmpty();
    }

    @Test
    void aCountNotKnownWithinTheReplyTimeoutAnswers250AndTheReleaseGoesOn() throws Exception {
        handler = handler(DEMO + "<replyTimeout>50ms</replyTimeout>");
        CompletableFuture<Long> slowCount = new CompletableFuture<>();
        release.answering(node -> slowCount);

        long start = System.nanoTime();
        Response response = etrn(trusted(), "customer.test");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(line(response)).isEqualTo("250 2.0.0 OK, queuing for node customer.test started");
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        assertThat(slowCount).isNotDone();
        assertThat(metrics.countFor("etrn_queuing_started")).isEqualTo(1);
        slowCount.complete(7L);
    }

    @Test
    void aReleaseFailureIs458() {
        release.answering(node -> CompletableFuture.failedFuture(new ReleaseException("queue unavailable")));

        assertThat(line(etrn(trusted(), "customer.test")))
            .isEqualTo("458 4.3.0 Unable to queue messages for node customer.test");
        assertThat(metrics.countFor("etrn_failed")).isEqualTo(1);
    }

    @Test
    void aReleaseThatThrowsIs458() {
        release.answering(node -> {
            throw new IllegalStateException("bug");
        });

        assertThat(etrn(trusted(), "customer.test").getRetCode()).isEqualTo("458");
    }

    @Test
    void aQueueTheEngineDoesNotServeIs459() {
        release.answering(node -> CompletableFuture.failedFuture(new UnknownQueueException(node.name())));

        assertThat(line(etrn(trusted(), "#outgoing-smarthost")))
            .isEqualTo("459 4.7.1 Node #outgoing-smarthost not allowed: queue not served by this server");
    }

    @Test
    void aFailingDomainListIs458AndReleasesNothing() {
        localDomains.fail();

        assertThat(etrn(trusted(), "customer.test").getRetCode()).isEqualTo("458");
        assertThat(release.released()).isEmpty();
    }

    @Test
    void policyRefusalsAre459AndReleaseNothing() {
        assertThat(line(etrn(TestSessions.afterEhlo("203.0.113.5", false), "customer.test")))
            .isEqualTo("459 4.7.1 Node customer.test not allowed: client not authorized");
        assertThat(line(etrn(trusted(), "unlisted.test")))
            .isEqualTo("459 4.7.1 Node unlisted.test not allowed: node not served by this server");
        assertThat(line(etrn(trusted(), "@other.test")))
            .isEqualTo("459 4.7.1 Node @other.test not allowed: node not served by this server");
        assertThat(line(etrn(trusted(), "#outgoing")))
            .isEqualTo("459 4.7.1 Node #outgoing not allowed: queue not served by this server");
        assertThat(release.released()).isEmpty();
        assertThat(metrics.countFor("etrn_refused")).isEqualTo(4);
    }

    @Test
    void localDomainsAre459EvenWhenListed() throws Exception {
        handler = handler("<nodes>relay.local, @local</nodes>");

        assertThat(line(etrn(trusted(), "relay.local")))
            .isEqualTo("459 4.7.1 Node relay.local not allowed: local domain");
        assertThat(etrn(trusted(), "@local").getRetCode()).isEqualTo("459");
        assertThat(release.released()).isEmpty();
    }

    @Test
    void unlistedLocalDomainsSayLocalDomain() {
        assertThat(line(etrn(trusted(), "relay.local")))
            .isEqualTo("459 4.7.1 Node relay.local not allowed: local domain");
        assertThat(line(etrn(trusted(), "@relay.local")))
            .isEqualTo("459 4.7.1 Node @relay.local not allowed: local domain");
        assertThat(line(etrn(TestSessions.afterEhlo("203.0.113.9", false), "relay.local")))
            .isEqualTo("459 4.7.1 Node relay.local not allowed: client not authorized");
        assertThat(release.released()).isEmpty();
    }

    @Test
    void authenticatedUsersMayAsk() {
        release.startingCount(1);

        assertThat(etrn(TestSessions.authenticated("203.0.113.5", "alice@customer.test"), "customer.test")
            .getRetCode()).isEqualTo("253");
    }

    @Test
    void syntaxErrorsAre501AndNeverEchoTheInput() {
        Response response = etrn(trusted(), "<script>");

        assertThat(line(response)).startsWith("501 5.5.4 Syntax error in ETRN node: ").doesNotContain("script");
        assertThat(etrn(trusted(), null).getRetCode()).isEqualTo("501");
        assertThat(etrn(trusted(), "customer.test other.test").getRetCode()).isEqualTo("501");
        assertThat(etrn(trusted(), "[192.0.2.1]").getRetCode()).isEqualTo("501");
        assertThat(release.released()).isEmpty();
        assertThat(metrics.countFor("etrn_syntax_error")).isEqualTo(4);
    }

    @Test
    void beforeHeloIs503() {
        assertThat(line(etrn(TestSessions.connected("127.0.0.1", true), "customer.test")))
            .isEqualTo("503 5.5.1 Need HELO or EHLO before ETRN");
        assertThat(release.released()).isEmpty();
    }

    @Test
    void insideAMailTransactionIs503() {
        assertThat(line(etrn(TestSessions.inTransaction(trusted()), "customer.test")))
            .isEqualTo("503 5.5.1 ETRN not allowed inside a mail transaction");
        assertThat(release.released()).isEmpty();
        assertThat(metrics.countFor("etrn_bad_sequence")).isEqualTo(1);
    }

    @Test
    void badSequenceIsCheckedBeforeSyntax() {
        assertThat(etrn(TestSessions.connected("127.0.0.1", true), "..").getRetCode()).isEqualTo("503");
    }

    @Test
    void afterTheTransactionEndsEtrnWorksAgain() {
        SMTPSession session = TestSessions.inTransaction(trusted());
        session.resetState();

        assertThat(etrn(session, "customer.test").getRetCode()).isEqualTo("251");
    }

    @Test
    void rateLimitIs458PerClientAndTheSessionGoesOn() throws Exception {
        handler = handler(DEMO + "<rateLimit><permits>2</permits><period>1h</period></rateLimit>");
        SMTPSession session = trusted();

        assertThat(etrn(session, "customer.test").getRetCode()).isEqualTo("251");
        assertThat(etrn(session, "other.test").getRetCode()).isEqualTo("251");
        Response limited = etrn(session, "customer.test");
        assertThat(line(limited)).isEqualTo(
            "458 4.7.0 Unable to queue messages for node customer.test: too many ETRN requests, try later");
        assertThat(limited.isEndSession()).isFalse();
        assertThat(etrn(TestSessions.afterEhlo("127.0.0.2", true), "customer.test").getRetCode()).isEqualTo("251");
        assertThat(release.released()).hasSize(3);
        assertThat(metrics.countFor("etrn_rate_limited")).isEqualTo(1);

        ticker.advance(Duration.ofHours(1));
        assertThat(etrn(session, "customer.test").getRetCode()).isEqualTo("251");
    }

    @Test
    void theDefaultRateLimitAllowsSeveralEtrnInARow() {
        SMTPSession session = trusted();

        for (int i = 0; i < EtrnSettings.DEFAULT_RATE_PERMITS; i++) {
            assertThat(etrn(session, "customer.test").getRetCode()).isEqualTo("251");
        }
        assertThat(etrn(session, "customer.test").getRetCode()).isEqualTo("458");
    }

    @Test
    void syntaxErrorsDoNotUseRatePermits() throws Exception {
        handler = handler(DEMO + "<rateLimit><permits>1</permits><period>1h</period></rateLimit>");

        etrn(trusted(), "..");
        assertThat(etrn(trusted(), "customer.test").getRetCode()).isEqualTo("251");
    }

    @Test
    void noResponseEndsTheSession() {
        assertThat(etrn(trusted(), "..").isEndSession()).isFalse();
        assertThat(etrn(trusted(), "unlisted.test").isEndSession()).isFalse();
        assertThat(etrn(trusted(), "customer.test").isEndSession()).isFalse();
    }

    @Test
    void emptyConfigurationServesNothing() throws Exception {
        handler = handler("");

        assertThat(etrn(trusted(), "customer.test").getRetCode()).isEqualTo("459");
        assertThat(etrn(trusted(), "#outgoing").getRetCode()).isEqualTo("459");
    }

    @Test
    void invalidOptionsFailAtStartUp() {
        assertThatThrownBy(() -> handler("<replies>verbose</replies>")).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> handler("<replyTimeout>soon</replyTimeout>"))
            .isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> handler("<rateLimit><permits>-1</permits></rateLimit>"))
            .isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> handler("<rateLimit><period>0s</period></rateLimit>"))
            .isInstanceOf(ConfigurationException.class);
    }

    @Test
    void theShippedConfigurationLoads() throws Exception {
        XMLConfiguration smtpserver = new XMLConfiguration();
        smtpserver.setListDelimiterHandler(new DisabledListDelimiterHandler());
        new FileHandler(smtpserver).load(new File("../conf/smtpserver.xml"));
        handler = new EtrnCmdHandler(release, localDomains, new LiteralDnsService(), metrics, ticker);
        handler.init(smtpserver.configurationAt("smtpserver.handlerchain.handler(0)"));
        release.startingCount(1);

        assertThat(etrn(trusted(), "customer.test").getRetCode()).isEqualTo("253");
        assertThat(etrn(trusted(), "#outgoing-smarthost").getRetCode()).isEqualTo("253");
        assertThat(etrn(trusted(), "other.test").getRetCode()).isEqualTo("459");
    }

    /** What the handler publishes for the administrator's release (POST /etrn/{node}), which follows it. */
    @Nested
    class PublishedForWebAdmin {
        private final HandlerPolicies published = new HandlerPolicies();
        private final InetAddress admin = InetAddresses.forString("127.0.0.1");

        private EtrnCmdHandler publishing(String xml) throws ConfigurationException {
            EtrnCmdHandler created = new EtrnCmdHandler(release, localDomains, new LiteralDnsService(), metrics, ticker,
                published);
            created.init(TestConfigurations.handler(xml));
            return created;
        }

        @Test
        void theNodeRulesThatHoldWhoeverAsks() throws Exception {
            publishing(DEMO + "<node name=\"@customer.test\"><networks>192.0.2.0/24</networks></node>");

            assertThat(published.refusal(Node.domain("sub.customer.test"))).as("a per-node rule is SMTP's").isEmpty();
            assertThat(published.refusal(Node.queue("outgoing-smarthost"))).isEmpty();
            assertThat(published.refusal(Node.domainAndSubdomains("com"))).contains(EtrnPolicy.NODE_NOT_SERVED);
            assertThat(published.refusal(Node.domainAndSubdomains("local"))).contains(EtrnPolicy.LOCAL_DOMAIN);
            assertThat(published.refusal(Node.queue("outgoing"))).contains(EtrnPolicy.QUEUE_NOT_SERVED);
        }

        @Test
        void nothingBeforeInitAndTheDefaultsServeNothing() throws Exception {
            new EtrnCmdHandler(release, localDomains, new LiteralDnsService(), metrics, ticker, published);
            assertThat(published.refusal(Node.domain("customer.test"))).as("not published before init")
                .contains("no ETRN handler in smtpserver.xml: no node is served");

            publishing("");
            assertThat(published.refusal(Node.domain("customer.test"))).contains(EtrnPolicy.NODE_NOT_SERVED);
        }

        @Test
        void theHandlersRateLimitWithBucketsOfItsOwn() throws Exception {
            handler = publishing(DEMO + "<rateLimit><permits>2</permits><period>60s</period></rateLimit>");
            release.startingCount(0);

            assertThat(published.tryAcquire(admin)).isTrue();
            assertThat(published.tryAcquire(admin)).isTrue();
            assertThat(published.tryAcquire(admin)).isFalse();
            assertThat(etrn(trusted(), "customer.test").getRetCode()).as("SMTP's bucket is apart").isEqualTo("251");

            ticker.advance(Duration.ofSeconds(30));
            assertThat(published.tryAcquire(admin)).isTrue();
            assertThat(published.tryAcquire(admin)).isFalse();
        }

        @Test
        void initAgainReplacesThePolicy() throws Exception {
            EtrnCmdHandler created = publishing(DEMO);
            created.init(TestConfigurations.handler("<nodes>other.test</nodes>"));

            assertThat(published.refusal(Node.domain("customer.test"))).contains(EtrnPolicy.NODE_NOT_SERVED);
            assertThat(published.refusal(Node.domain("other.test"))).isEmpty();
        }
    }
}
