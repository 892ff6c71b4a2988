package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.jamesetrn.e2e.fixture.SiteJames;
import org.jamesetrn.kit.Ports;
import org.junit.jupiter.api.Test;

import com.google.common.collect.ImmutableMap;

/**
 * Issue 20: the ETRN client never sends a relay's AUTH password in clear unless the admin wrote so. A site James whose
 * etrn-client.properties gives a relay AUTH with {@code starttls=off} does not start, and says which relay and which
 * option; the same entry with {@code auth.plaintext=allowed} starts and its client asks the relay.
 */
class ClientPlainTextAuthTest {
    private static Map<String, String> authWithoutTls(int relayPort) {
        return ImmutableMap.<String, String>builder()
            .put("relays", "provider")
            .put("relay.provider.host", "127.0.0.1")
            .put("relay.provider.port", String.valueOf(relayPort))
            .put("relay.provider.starttls", "off")
            .put("relay.provider.auth.user", "site@" + SiteJames.DOMAIN)
            .put("relay.provider.auth.password", "s3cret")
            .put("relay.provider.nodes", SiteJames.DOMAIN)
            .put("retry.attempts", "1")
            .build();
    }

    @Test
    void aRelayWithAuthAndStartTlsOffStopsJamesAtStartUp() {
        int smtp = Ports.free();

        assertThatThrownBy(() -> SiteJames.start(smtp, authWithoutTls(Ports.free())).close())
            .hasStackTraceContaining("etrn-client.properties: relay.provider.starttls: off could send the AUTH "
                + "password for relay 'provider' in clear: set relay.provider.starttls=required, or "
                + "relay.provider.auth.plaintext=allowed");
        assertThat(Ports.listening(smtp)).as("no SMTP server left listening").isFalse();
    }

    @Test
    void theSameRelaySaidToAcceptPlainTextStartsAndIsAsked() throws Exception {
        int relayPort = Ports.free();
        Map<String, String> allowed = ImmutableMap.<String, String>builder()
            .putAll(authWithoutTls(relayPort))
            .put("relay.provider.auth.plaintext", "allowed")
            .build();

        try (SiteJames site = SiteJames.start(Ports.free(), allowed)) {
            // Nothing listens on the relay's port: the one attempt says so (the request was made with that entry).
            await().atMost(Duration.ofSeconds(30)).until(() -> site.counter("etrn_client_unreachable") == 1);
            assertThat(site.requestLines()).singleElement().asString()
                .startsWith("INFO ETRN to relay provider (127.0.0.1:" + relayPort + ") node " + SiteJames.DOMAIN)
                .doesNotContain("s3cret");
        }
    }
}
