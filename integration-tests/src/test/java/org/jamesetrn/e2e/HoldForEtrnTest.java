package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Fence;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayAndMx;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.ProbeRoutes;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 10 on the shipped conf: held.test is an ETRN-only site (hold), parked.test follows James's distributed
 * pattern (park). Held mail is never tried until the site asks, then arrives exactly once; a release while the site
 * is still down puts the mail back with its expiry clock unchanged.
 */
@ExtendWith(RelayExtension.class)
class HoldForEtrnTest {
    @Test
    void heldMailIsNeverTriedUntilEtrnThenArrivesExactlyOnce(EtrnRelay relay, CustomerMx mx) throws Exception {
        mx.start();
        List<String> held = Mails.send(relay, "held.test", 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("held.test") == 3);

        // The site is up and mail through the queues reaches it at once, yet nobody even connected for held.test.
        List<String> fence = Fence.deliveredThroughBothQueues(relay, mx);
        assertThat(mx.messageIds()).containsExactlyInAnyOrderElementsOf(fence);
        assertThat(mx.connections()).as("connections: only the fence's").isEqualTo(fence.size());

        assertThat(ReplyAssertions.count(relay.etrn("held.test"))).isEqualTo(3);

        await().atMost(Duration.ofSeconds(10)).until(() -> mx.messageIdsFor("held.test").size() >= 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount() == 0);
        assertThat(mx.messageIdsFor("held.test")).containsExactlyInAnyOrderElementsOf(held);
        assertThat(relay.etrn("held.test").code()).as("nothing left").isEqualTo(251);
    }

    @Test
    void aMailForSeveralDomainsIsHeldPerDomainAndEveryRecipientArrivesOnce(EtrnRelay relay, CustomerMx mx) throws Exception {
        mx.start();
        try (SmtpClient client = relay.connect()) {
            assertThat(client.send(EtrnRelay.SENDER, List.of("a@held.test", "b@held.test", "c@other.test"),
                "<several@e2e.test>").code()).isEqualTo(250);
        }
        // other.test's recipient goes on through the queue route at once; held.test's two are held together.
        await().atMost(Duration.ofSeconds(10)).until(() -> mx.messageIdsFor("other.test").size() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("held.test") == 1);
        assertThat(relay.held("held.test").get(0).recipients()).containsExactlyInAnyOrder("a@held.test", "b@held.test");
        assertThat(mx.messageIdsFor("held.test")).isEmpty();

        assertThat(ReplyAssertions.count(relay.etrn("held.test"))).isEqualTo(1);

        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount() == 0);
        List<CustomerMx.Delivery> deliveries = mx.deliveries();
        assertThat(deliveries).flatExtracting(CustomerMx.Delivery::recipients)
            .containsExactlyInAnyOrder("a@held.test", "b@held.test", "c@other.test");
    }

    @Test
    void aReleaseWhileTheSiteIsDownPutsTheMailBackWithItsExpiryUnchanged(EtrnRelay relay, CustomerMx mx) throws Exception {
        mx.refuse(RelayAndMx.SITE_DOWN).start();
        Mails.send(relay, "held.test", 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("held.test") == 2);
        Map<String, ProbeRoutes.Held> before = byMessageId(relay.held("held.test"));

        assertThat(ReplyAssertions.count(relay.etrn("held.test"))).isEqualTo(2);

        // Probe first: one attempt, refused; that mail is written back (under a new key), the other is untouched.
        await().atMost(Duration.ofSeconds(10)).until(() -> movedEntries(before, relay) == 1);
        Map<String, ProbeRoutes.Held> after = byMessageId(relay.held("held.test"));
        assertThat(after.keySet()).isEqualTo(before.keySet());
        for (String messageId : before.keySet()) {
            assertThat(after.get(messageId).since()).as("expiry clock of %s", messageId).isEqualTo(before.get(messageId).since());
            assertThat(after.get(messageId).recipients()).as("same recipients").isEqualTo(before.get(messageId).recipients());
        }
        assertThat(mx.connections()).as("one attempt, the probe").isEqualTo(1);
        assertThat(mx.deliveryCount()).isZero();

        mx.answer();
        assertThat(ReplyAssertions.count(relay.etrn("held.test"))).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount() == 0);
        assertThat(mx.messageIdsFor("held.test")).containsExactlyInAnyOrderElementsOf(
            before.values().stream().map(Mails::messageId).collect(Collectors.toList()));
        assertThat(mx.messageIdsFor("sender.test")).as("no DSN").isEmpty();
    }

    @Test
    void parkedMailIsTriedOnceThenReleasedByEtrn(EtrnRelay relay, CustomerMx mx) throws Exception {
        mx.refuse(RelayAndMx.SITE_DOWN).start();
        List<String> parked = Mails.send(relay, "parked.test", 2);

        // One attempt each (maxRetries 0), then the temporary failures wait in parked.test's hold.
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("parked.test") == 2);
        assertThat(relay.heldMessageIds("parked.test")).containsExactlyInAnyOrderElementsOf(parked);
        assertThat(mx.connections()).isEqualTo(2);

        mx.answer();
        assertThat(ReplyAssertions.count(relay.etrn("parked.test"))).isEqualTo(2);

        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount() == 0);
        assertThat(mx.messageIdsFor("parked.test")).containsExactlyInAnyOrderElementsOf(parked);
    }

    private static Map<String, ProbeRoutes.Held> byMessageId(List<ProbeRoutes.Held> entries) {
        return entries.stream().collect(Collectors.toMap(Mails::messageId, Function.identity()));
    }

    /**
     * Entries written back after a failed attempt (same mail, new key), from the hold's keys: as many entries as
     * before, this many under a key that was not there before (which mail each is, {@link EtrnRelay#held} says).
     */
    private static long movedEntries(Map<String, ProbeRoutes.Held> before, EtrnRelay relay) throws Exception {
        Set<String> keysBefore = before.values().stream().map(ProbeRoutes.Held::key).collect(Collectors.toSet());
        List<String> keys = relay.heldKeys("held.test");
        return keys.size() == before.size() ? keys.stream().filter(key -> !keysBefore.contains(key)).count() : -1;
    }
}
