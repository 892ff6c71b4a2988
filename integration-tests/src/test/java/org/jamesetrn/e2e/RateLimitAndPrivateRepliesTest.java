package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Fence;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayAndMx;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, two handler options over a socket, on a relay of their own (the shared one keeps detailed replies and a
 * generous limit): {@code <replies>private</replies>} answers 250 whatever is waiting, and the mail still goes out;
 * a small {@code <rateLimit>} (3 per 60 s per client address) answers 458 4.7.0 once used up, releases nothing, and
 * the session goes on. Each test connects from its own loopback addresses, so that their buckets are apart.
 */
class RateLimitAndPrivateRepliesTest {
    /** Allowed by <allowedNetworks> (not relaying clients): the rate-limited client and an unaffected one. */
    private static final String LIMITED_CLIENT = "127.0.0.3";
    private static final String OTHER_CLIENT = "127.0.0.4";
    private static final int PERMITS = 3;
    private static final String HANDLER_OPTIONS = ""
        + "<allowRelayingClients>true</allowRelayingClients>"
        + "<allowAuthenticatedUsers>true</allowAuthenticatedUsers>"
        + "<allowedNetworks>" + LIMITED_CLIENT + "/32, " + OTHER_CLIENT + "/32</allowedNetworks>"
        + "<nodes>@customer.test, other.test</nodes>"
        + "<queues>" + EtrnRelay.SMARTHOST_QUEUE + "</queues>"
        + "<replies>private</replies>"
        + "<rateLimit><permits>" + PERMITS + "</permits><period>60s</period></rateLimit>"
        + "<replyTimeout>2s</replyTimeout>";

    private static RelayAndMx relayAndMx;
    private static CustomerMx mx;
    private static EtrnRelay relay;

    @BeforeAll
    static void startRelay() throws Exception {
        relayAndMx = RelayAndMx.start(HANDLER_OPTIONS);
        mx = relayAndMx.mx;
        relay = relayAndMx.relay;
    }

    @AfterAll
    static void stopRelay() throws Exception {
        relayAndMx.close();
    }

    @BeforeEach
    void siteDownAndQueuesEmpty() {
        relayAndMx.reset();
    }

    @Test
    void privateRepliesAre250WithoutCountsAndTheMailArrives() {
        List<String> held = Mails.deferred(relay, "customer.test", 2);
        mx.start();

        try (SmtpClient site = relay.connect()) {
            SmtpClient.Reply started = site.etrn("customer.test");
            assertThat(started.code()).as("%s", started).isEqualTo(250);
            assertThat(started.text()).isEqualTo("2.0.0 OK, queuing for node customer.test started");
            // Nothing waiting looks the same: private replies tell nothing about the queue.
            SmtpClient.Reply nothing = site.etrn("other.test");
            assertThat(nothing.code()).as("%s", nothing).isEqualTo(250);
            assertThat(nothing.text()).isEqualTo("2.0.0 OK, queuing for node other.test started");
        }
        await().atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(mx.messageIdsFor("customer.test")).containsExactlyInAnyOrderElementsOf(held));
    }

    @Test
    void aClientOverItsRateLimitGets458ReleasesNothingAndTheSessionGoesOn() throws Exception {
        List<String> held = Mails.deferred(relay, "customer.test", 1);
        mx.start();

        try (SmtpClient site = SmtpClient.to(relay.smtpPort()).from(LIMITED_CLIENT).connect()) {
            site.ehlo();
            for (int i = 0; i < PERMITS; i++) {
                assertThat(site.etrn("other.test").code()).as("ETRN %d of the burst", i + 1).isEqualTo(250);
            }
            SmtpClient.Reply limited = site.etrn("customer.test");
            assertThat(limited.code()).as("%s", limited).isEqualTo(458);
            assertThat(limited.text())
                .isEqualTo("4.7.0 Unable to queue messages for node customer.test: too many ETRN requests, try later");
            assertThat(site.command("NOOP").code()).as("the session goes on").isEqualTo(250);
            assertThat(site.etrn("@customer.test").code()).as("still limited").isEqualTo(458);
            assertThat(site.etrn("@").code()).as("syntax is checked first").isEqualTo(501);
        }
        // The bucket belongs to the client address, not to the session.
        try (SmtpClient again = SmtpClient.to(relay.smtpPort()).from(LIMITED_CLIENT).connect()) {
            again.ehlo();
            assertThat(again.etrn("customer.test").code()).isEqualTo(458);
        }

        Fence.assertHeld(relay, mx, held);

        // Another client has its own bucket: its ETRN releases the mail.
        try (SmtpClient other = SmtpClient.to(relay.smtpPort()).from(OTHER_CLIENT).connect()) {
            other.ehlo();
            assertThat(other.etrn("customer.test").code()).isEqualTo(250);
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> mx.messageIds().containsAll(held));
    }
}
