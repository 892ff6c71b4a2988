package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.jamesetrn.e2e.fixture.HealthChecks.check;
import static org.jamesetrn.e2e.fixture.HealthChecks.json;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.e2e.fixture.SiteJames;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.TestDns;
import org.jamesetrn.kit.WebAdmin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Issue 20, the extension's health checks in James's own {@code GET /healthcheck}: listed by the shipped
 * conf/healthcheck.properties ({@code additional.healthchecks}), built by James in its extension injector (where the
 * ETRN client and the hold are), and shown beside James's own checks. The client's check is healthy while its relay
 * answers, and degraded, naming the relay, once the relay is stopped and a request to it failed.
 */
@ExtendWith(RelayExtension.class)
class HealthCheckTest {
    private static final String CLIENT = "ETRN client";
    private static final String HOLD = "ETRN hold";
    private static final String ODMR = "ETRN ODMR listener";
    private static final String DOMAIN = SiteJames.DOMAIN;

    @Test
    void healthcheckListsTheExtensionsChecksBesideJamessOwn(EtrnRelay relay) throws Exception {
        JsonNode listed = json(relay.webAdmin().get("/healthcheck/checks"));
        List<String> names = new ArrayList<>();
        listed.forEach(check -> names.add(check.get("componentName").asText()));
        assertThat(names).contains(CLIENT, HOLD, ODMR, "Guice application lifecycle");

        HttpResponse<String> health = relay.webAdmin().get("/healthcheck");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(check(json(health), CLIENT).get("status").asText()).as("no relay listed").isEqualTo("healthy");
        assertThat(check(json(health), HOLD).get("status").asText()).isEqualTo("healthy");
        assertThat(check(json(health), ODMR).get("status").asText()).as("listening").isEqualTo("healthy");
    }

    /** The hold's store made unwritable: a file where its health probe's repository goes (the disk gone, as root can). */
    @Test
    void theHoldsCheckIsUnhealthyWhileItsStoreCannotBeWritten(EtrnRelay relay) throws Exception {
        java.nio.file.Path probe = relay.holdFolder("_health");
        org.jamesetrn.kit.Trees.delete(probe);
        java.nio.file.Files.createDirectories(probe.getParent());
        java.nio.file.Files.writeString(probe, "a file where the hold's health probe writes");
        try {
            JsonNode hold = check(json(relay.webAdmin().get("/healthcheck")), HOLD);
            assertThat(hold.get("status").asText()).isEqualTo("unhealthy");
            assertThat(hold.get("cause").asText()).startsWith("hold store: the hold file://var/mail/etrn-hold");
        } finally {
            java.nio.file.Files.delete(probe);
            java.nio.file.Files.createDirectories(probe);
        }
        assertThat(check(json(relay.webAdmin().get("/healthcheck")), HOLD).get("status").asText()).isEqualTo("healthy");
    }

    @Test
    void theClientsCheckIsDegradedOnceItsRelayIsStopped() throws Exception {
        int siteSmtp = Ports.free();
        EtrnRelay relay = EtrnRelay.start(new TestDns(), Ports.free(),
            "<allowRelayingClients>true</allowRelayingClients><nodes>" + DOMAIN + "</nodes><replyTimeout>2s</replyTimeout>");
        int relayPort = relay.smtpPort();
        try (SiteJames site = SiteJames.start(siteSmtp, Map.of(
                "relays", "main",
                "relay.main.host", "127.0.0.1",
                "relay.main.port", String.valueOf(relayPort),
                "relay.main.nodes", DOMAIN,
                "retry.attempts", "1",
                "timeout", "10s"))) {
            WebAdmin webAdmin = site.webAdmin();
            await().atMost(Duration.ofSeconds(30)).until(() -> site.counter("etrn_client_nothing_waiting") == 1);
            assertThat(check(json(webAdmin.get("/healthcheck")), CLIENT).get("status").asText()).isEqualTo("healthy");

            relay.close();
            relay = null;
            assertThat(webAdmin.post("/etrnClient").body()).contains("\"outcome\":\"unreachable\"");

            HttpResponse<String> health = webAdmin.get("/healthcheck");
            assertThat(health.statusCode()).as("degraded is still 200").isEqualTo(200);
            JsonNode client = check(json(health), CLIENT);
            assertThat(client.get("status").asText()).isEqualTo("degraded");
            assertThat(client.get("cause").asText())
                .startsWith("relay main (127.0.0.1:" + relayPort + ") node " + DOMAIN + ": unreachable (Couldn't connect to host");
            assertThat(json(health).get("status").asText()).isEqualTo("degraded");
        } finally {
            if (relay != null) {
                relay.close();
            }
        }
    }
}
