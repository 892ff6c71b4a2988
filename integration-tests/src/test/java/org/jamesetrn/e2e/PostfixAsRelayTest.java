package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.jamesetrn.e2e.fixture.RealClient;
import org.jamesetrn.e2e.fixture.SiteJames;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.Postfix;
import org.jamesetrn.kit.Repository;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, James as the ETRN client, Postfix 3.7 as the relay (Debian's package, an instance of its own on loopback
 * ports, {@code fast_flush_domains} = the site's domain, the kit's {@link Postfix}): mail Postfix deferred while the
 * site was down arrives at the site James once it starts, each Message-ID once. With CI=true a missing Postfix fails
 * the test; on a workstation it skips it (run-tests.sh installs Postfix as root).
 */
class PostfixAsRelayTest {
    private static final String DOMAIN = SiteJames.DOMAIN;
    private static final int HELD = 3;

    private static Postfix postfix;
    private static SiteJames site;

    @BeforeAll
    static void deferInPostfixThenStartTheSite() throws Exception {
        RealClient.require(Postfix.available(),
            "Postfix is not installed, or this JVM is not root (run-tests.sh installs it when run as root)");
        int siteSmtp = Ports.free();
        postfix = new Postfix(Repository.underTest().root().resolve("integration-tests/target/postfix-etrn-client"),
            Ports.free(), siteSmtp, DOMAIN);
        postfix.start();
        postfix.fillDeferred(HELD, "held-by-postfix");

        site = SiteJames.start(siteSmtp, Map.of(
            "relays", "postfix",
            "relay.postfix.host", "127.0.0.1",
            "relay.postfix.port", String.valueOf(postfix.smtpPort()),
            "relay.postfix.nodes", DOMAIN));
    }

    @AfterAll
    static void stop() throws Exception {
        if (site != null) {
            site.close();
        }
        if (postfix != null) {
            postfix.close();
        }
    }

    @Test
    void mailDeferredInPostfixArrivesAtTheSiteOnceItStarts() throws Exception {
        List<String> held = IntStream.range(0, HELD).mapToObj(i -> "<held-by-postfix-" + i + "@bench>")
            .collect(Collectors.toList());

        await().atMost(Duration.ofSeconds(60)).until(() -> site.receivedMessageIds().containsAll(held));

        // A fresh mail goes straight to the site, which is up now: it arrives after any duplicate would have.
        String fence = "<fence@e2e.test>";
        try (SmtpClient client = SmtpClient.connect(postfix.smtpPort())) {
            client.ehlo();
            assertThat(client.send("fence@sender.test", List.of("fence@" + DOMAIN), fence).code()).isEqualTo(250);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> site.receivedMessageIds().contains(fence));
        List<String> expected = new ArrayList<>(held);
        expected.add(fence);
        assertThat(site.receivedMessageIds()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(site.requestLines()).containsExactly("INFO ETRN to relay postfix (127.0.0.1:" + postfix.smtpPort()
            + ") node " + DOMAIN + ": 250 Queuing started; queuing started (start-up, attempt 1 of 5)");
        assertThat(site.counter("etrn_client_queuing_started")).isEqualTo(1);
    }
}
