package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Fence;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayAndMx;
import org.jamesetrn.kit.CustomerMx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * Issue 20, the WebAdmin release follows the SMTP policy, on a relay whose ETRN handler is the one conf/smtpserver.xml
 * ships ({@code <nodes>@customer.test, held.test, parked.test</nodes>}, James's domain relay.local): the route reads
 * the policy the handler published when James's SMTP server started. {@code POST /etrn/@com} (a top-level domain:
 * every held and deferred mail under it) answers 403 with the reason and moves nothing; {@code ?force=true} releases
 * it, logged as forced; a served node is released as before.
 */
class WebAdminPolicyTest {
    private static final Duration DELIVERY = Duration.ofSeconds(2);
    /** The route's log lines, in this JVM's logback (James runs in-process). */
    private static final String ROUTE_LOGGER = "org.jamesetrn.route.EtrnRoutes";

    private static RelayAndMx relayAndMx;
    private static EtrnRelay relay;
    private static CustomerMx mx;

    private final Logger routeLogger = (Logger) LoggerFactory.getLogger(ROUTE_LOGGER);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeAll
    static void startRelay() throws Exception {
        relayAndMx = RelayAndMx.startShipped();
        relay = relayAndMx.relay;
        mx = relayAndMx.mx;
    }

    @AfterAll
    static void stopRelay() throws Exception {
        relayAndMx.close();
    }

    @BeforeEach
    void siteDownQueuesEmptyAndLinesRecorded() {
        relayAndMx.reset();
        lines.start();
        routeLogger.addAppender(lines);
    }

    @AfterEach
    void stopRecording() {
        routeLogger.detachAppender(lines);
    }

    @Test
    void aTopLevelDomainIs403AndNothingMoves() throws Exception {
        List<String> deferred = Mails.deferred(relay, "other.test", 2);
        mx.start();

        HttpResponse<String> com = relay.webAdmin().post("/etrn/%40com");
        HttpResponse<String> test = relay.webAdmin().post("/etrn/%40test");
        HttpResponse<String> local = relay.webAdmin().post("/etrn/relay.local");

        assertThat(com.statusCode()).isEqualTo(403);
        assertThat(com.body()).contains("\"statusCode\":403", "\"message\":\"Node @com not released: node not served "
            + "by this server (the ETRN policy of smtpserver.xml); add ?force=true to release it anyway\"");
        assertThat(test.statusCode()).isEqualTo(403);
        assertThat(local.statusCode()).isEqualTo(403);
        assertThat(local.body()).contains("Node relay.local not released: local domain");
        Fence.assertHeld(relay, mx, deferred);
        assertThat(lines()).containsExactly(
            "INFO WebAdmin ETRN node @com: refused, node not served by this server",
            "INFO WebAdmin ETRN node @test: refused, node not served by this server",
            "INFO WebAdmin ETRN node relay.local: refused, local domain");
    }

    @Test
    void forceReleasesTheRefusedNodeAndSaysSoInTheLog() throws Exception {
        List<String> deferred = Mails.deferred(relay, "other.test", 2);
        mx.start();

        HttpResponse<String> forced = relay.webAdmin().post("/etrn/%40test?force=true");

        assertThat(forced.statusCode()).isEqualTo(200);
        assertThat(forced.body()).isEqualTo("{\"node\":\"@test\",\"released\":2}");
        await().atMost(DELIVERY).untilAsserted(() -> assertThat(mx.messageIds()).containsExactlyInAnyOrderElementsOf(deferred));
        assertThat(lines()).containsExactly("INFO WebAdmin ETRN node @test (forced past the ETRN policy: node not served "
            + "by this server): released 2 deferred mails");

        HttpResponse<String> com = relay.webAdmin().post("/etrn/%40com?force=true");
        assertThat(com.statusCode()).isEqualTo(200);
        assertThat(com.body()).isEqualTo("{\"node\":\"@com\",\"released\":0}");
    }

    @Test
    void aServedNodeIsReleasedAsBefore() throws Exception {
        List<String> customer = Mails.deferred(relay, "customer.test", 2);
        List<String> other = Mails.deferred(relay, "other.test", 1);
        mx.start();

        HttpResponse<String> response = relay.webAdmin().post("/etrn/%40customer.test");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"node\":\"@customer.test\",\"released\":2}");
        await().atMost(DELIVERY).untilAsserted(() -> assertThat(mx.messageIds()).containsAll(customer));
        Fence.assertHeld(relay, mx, other);
        assertThat(lines()).containsExactly("INFO WebAdmin ETRN node @customer.test: released 2 deferred mails");
    }

    private List<String> lines() {
        return lines.list.stream()
            .map(event -> event.getLevel() + " " + event.getFormattedMessage())
            .collect(Collectors.toList());
    }
}
