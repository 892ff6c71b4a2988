package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.e2e.fixture.SiteJames;
import org.jamesetrn.kit.Ports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableMap;

/**
 * Issue 19, two James servers: the relay holds mail for held.test and serves ODMR; the site James is its customer
 * (etrn-client.properties, a relay with protocol=odmr), with no MX record anywhere: at start-up, then on demand from
 * its WebAdmin, it says ATRN and the held mail comes over its own connection into its own SMTP server, where its
 * mailets keep it ({@link SiteJames}'s inbox).
 */
@ExtendWith(RelayExtension.class)
class JamesAsOdmrCustomerTest {
    private static final String DOMAIN = EtrnRelay.ODMR_DOMAIN;

    @Test
    void theHeldMailArrivesIntoTheCustomerJamesAtStartUpAndOnDemand(EtrnRelay relay) throws Exception {
        List<String> held = Mails.send(relay, DOMAIN, 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount(DOMAIN) == 3);

        try (SiteJames site = SiteJames.start(Ports.free(), DOMAIN, ImmutableMap.<String, String>builder()
            .put("relays", "provider")
            .put("relay.provider.protocol", "odmr")
            .put("relay.provider.host", "127.0.0.1")
            .put("relay.provider.port", String.valueOf(relay.odmrPort()))
            .put("relay.provider.starttls", "off")
            .put("relay.provider.auth.user", EtrnRelay.ODMR_CUSTOMER)
            .put("relay.provider.auth.password", EtrnRelay.ODMR_SECRET)
            .put("relay.provider.nodes", DOMAIN)
            .put("retry.attempts", "1")
            .put("timeout", "20s")
            .put("ehloName", "site.held.test")
            .build())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !site.requestLines().isEmpty());
            await().atMost(Duration.ofSeconds(30)).until(() -> site.receivedMessageIds().size() >= 3);
            assertThat(site.receivedMessageIds()).containsExactlyInAnyOrderElementsOf(held);
            assertThat(site.requestLines()).singleElement().asString()
                .startsWith("INFO ATRN to relay provider (127.0.0.1:" + relay.odmrPort() + ") node " + DOMAIN
                    + ": 250 2.0.0 OK now reversing the connection; started, 3 messages (start-up, attempt 1 of 1)");
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount() == 0);

            List<String> later = Mails.send(relay, DOMAIN, 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount(DOMAIN) == 2);
            HttpResponse<String> response = site.webAdmin().post("/etrnClient");

            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode request = new ObjectMapper().readTree(response.body()).get(0);
            assertThat(request.get("outcome").asText()).isEqualTo("started");
            assertThat(request.get("count").asLong()).isEqualTo(2);
            List<String> all = new ArrayList<>(held);
            all.addAll(later);
            await().atMost(Duration.ofSeconds(30)).until(() -> site.receivedMessageIds().size() >= all.size());
            assertThat(site.receivedMessageIds()).containsExactlyInAnyOrderElementsOf(all);
            assertThat(site.counter("etrn_client_started")).isEqualTo(2);
        }
    }
}
