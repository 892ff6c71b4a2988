package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.SiteJames;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.TestDns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableMap;

/**
 * Issue 13, James as the ETRN client, James as the relay: a relay with our ETRN extension holds deferred mail for
 * the site's domain (its MX, in the relay's DNS, is the site James's SMTP port, down while the mail is sent); then
 * the site James starts, its client asks, and the mail arrives, each Message-ID once. The same start-up also asks a
 * relay that answers 458 (its rate limit spent), one that refuses a node with 459, and one that is down: seen in the
 * client's log lines and counters, and again on demand from the site's WebAdmin. The tests follow that one story in
 * order: the servers start once for the class.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JamesAsEtrnClientTest {
    private static final String DOMAIN = SiteJames.DOMAIN;
    private static final String UNSERVED = "unserved.test";
    private static final String SERVED = "<allowRelayingClients>true</allowRelayingClients>"
        + "<nodes>" + DOMAIN + "</nodes><replies>detailed</replies><replyTimeout>2s</replyTimeout>";
    private static final String RELAY_OPTIONS = SERVED + "<rateLimit><permits>1000</permits><period>60s</period></rateLimit>";
    /** One ETRN per client per hour: the test spends it, so the site's ETRN meets 458 4.7.0 every time. */
    private static final String LIMITED_OPTIONS = SERVED + "<rateLimit><permits>1</permits><period>1h</period></rateLimit>";

    private static EtrnRelay relay;
    private static EtrnRelay limited;
    private static int down;
    private static List<String> held;
    private static SiteJames site;

    @BeforeAll
    static void holdTheSitesMailThenStartTheSite() throws Exception {
        int siteSmtp = Ports.free();
        relay = EtrnRelay.start(new TestDns().mx(DOMAIN, siteSmtp), Ports.free(), RELAY_OPTIONS);
        limited = EtrnRelay.start(new TestDns(), Ports.free(), LIMITED_OPTIONS);
        assertThat(limited.etrn(DOMAIN).code()).isEqualTo(251);
        assertThat(limited.etrn(DOMAIN).code()).isEqualTo(458);
        down = Ports.free();
        // Sent while the site is down: RemoteDelivery tries once and defers each mail for an hour.
        held = Mails.deferred(relay, DOMAIN, 3);

        site = SiteJames.start(siteSmtp, ImmutableMap.<String, String>builder()
            .put("relays", "main, limited, down")
            .put("relay.main.host", "127.0.0.1")
            .put("relay.main.port", String.valueOf(relay.smtpPort()))
            .put("relay.main.nodes", DOMAIN + ", " + UNSERVED)
            .put("relay.limited.host", "127.0.0.1")
            .put("relay.limited.port", String.valueOf(limited.smtpPort()))
            .put("relay.limited.starttls", "off")
            .put("relay.limited.nodes", DOMAIN)
            .put("relay.down.host", "127.0.0.1")
            .put("relay.down.port", String.valueOf(down))
            .put("relay.down.nodes", DOMAIN)
            .put("retry.attempts", "3")
            .put("retry.firstDelay", "1s")
            .put("retry.maxDelay", "1s")
            .put("timeout", "10s")
            .put("ehloName", "site.client.test")
            .build());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable server : new AutoCloseable[] {site, limited, relay}) {
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    @Order(1)
    void startingTheSiteMakesTheRelayDeliverItsMailExactlyOnce() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> site.receivedMessageIds().containsAll(held));

        // A fresh mail goes straight to the site, which is up now: it arrives after any duplicate would have.
        String fence = Mails.send(relay, DOMAIN, 1).get(0);
        await().atMost(Duration.ofSeconds(30)).until(() -> site.receivedMessageIds().contains(fence));
        List<String> expected = new ArrayList<>(held);
        expected.add(fence);
        assertThat(site.receivedMessageIds()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(Mails.queued(relay)).isZero();
    }

    @Test
    @Order(2)
    void eachRequestIsLoggedAndCountedAsItsRelayAnswered() {
        await().atMost(Duration.ofSeconds(60)).until(() -> site.counter("etrn_client_gave_up") == 2);

        String main = "INFO ETRN to relay main (127.0.0.1:" + relay.smtpPort() + ") node ";
        String limitedLine = "INFO ETRN to relay limited (127.0.0.1:" + limited.smtpPort() + ") node " + DOMAIN
            + ": 458 4.7.0 Unable to queue messages for node " + DOMAIN + ": too many ETRN requests, try later; deferred";
        assertThat(site.requestLines()).hasSize(8).contains(
            main + DOMAIN + ": 253 2.0.0 OK, 3 pending messages for node " + DOMAIN + " started; started, 3 messages "
                + "(start-up, attempt 1 of 3)",
            main + UNSERVED + ": 459 4.7.1 Node " + UNSERVED + " not allowed: node not served by this server; refused "
                + "(start-up, attempt 1 of 3)",
            limitedLine + " (start-up, attempt 1 of 3); retry in 1s",
            limitedLine + " (start-up, attempt 2 of 3); retry in 1s",
            limitedLine + " (start-up, attempt 3 of 3); giving up until the next trigger");
        assertThat(site.requestLines()).filteredOn(line -> line.contains("relay down ")).hasSize(3)
            .allSatisfy(line -> assertThat(line)
                .contains("Couldn't connect to host, port: 127.0.0.1, " + down, "; unreachable (start-up, attempt"))
            .last().asString().endsWith("(start-up, attempt 3 of 3); giving up until the next trigger");
        assertThat(site.counter("etrn_client_started")).isEqualTo(1);
        assertThat(site.counter("etrn_client_refused")).isEqualTo(1);
        assertThat(site.counter("etrn_client_deferred")).isEqualTo(3);
        assertThat(site.counter("etrn_client_unreachable")).isEqualTo(3);
    }

    @Test
    @Order(3)
    void onDemandFromWebAdminEachRequestsOutcomeAsJson() throws Exception {
        HttpResponse<String> all = site.webAdmin().post("/etrnClient");

        assertThat(all.statusCode()).isEqualTo(200);
        JsonNode requests = new ObjectMapper().readTree(all.body());
        assertThat(requests).hasSize(4);
        assertThat(requests.get(0).toString()).isEqualTo("{\"relay\":\"main\",\"node\":\"" + DOMAIN + "\","
            + "\"outcome\":\"nothing_waiting\",\"reply\":\"251 2.0.0 OK, no messages waiting for node " + DOMAIN + "\","
            + "\"count\":0,\"attempt\":1}");
        assertThat(requests.get(1).get("outcome").asText()).isEqualTo("refused");
        assertThat(requests.get(1).get("reply").asText()).startsWith("459 4.7.1");
        assertThat(requests.get(2).get("relay").asText()).isEqualTo("limited");
        assertThat(requests.get(2).get("outcome").asText()).isEqualTo("deferred");
        assertThat(requests.get(2).get("retryInSeconds").asLong()).isEqualTo(1);
        assertThat(requests.get(3).get("relay").asText()).isEqualTo("down");
        assertThat(requests.get(3).get("outcome").asText()).isEqualTo("unreachable");
        assertThat(requests.get(3).get("reason").asText()).contains("Couldn't connect to host");
        assertThat(requests.get(3).has("reply")).isFalse();

        HttpResponse<String> one = site.webAdmin().post("/etrnClient/main");
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(new ObjectMapper().readTree(one.body())).extracting(request -> request.get("node").asText())
            .containsExactly(DOMAIN, UNSERVED);

        HttpResponse<String> unknown = site.webAdmin().post("/etrnClient/nosuch");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("\"type\":\"notFound\"", "No such relay in etrn-client.properties");

        // The trigger's temporary failures are retried in the background, as after start-up.
        await().atMost(Duration.ofSeconds(60)).until(() -> site.counter("etrn_client_gave_up") == 4);
        assertThat(site.counter("etrn_client_nothing_waiting")).isEqualTo(2);
        assertThat(site.requestLines()).filteredOn(line -> line.contains("(WebAdmin, attempt")).hasSize(2 + 3 + 3 + 2);
    }
}
