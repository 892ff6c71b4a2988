package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Fence;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Scenario 3: "ETRN #queue" releases an allowlisted James mail queue; any other queue is refused with 459. */
@ExtendWith(RelayExtension.class)
class QueueNodeTest {
    @Test
    void allowlistedQueueReleasesItsDeferredMailOnly(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> smarthost = Mails.deferred(relay, "customer.test", 3);
        List<String> dns = Mails.deferred(relay, "other.test", 2);
        mx.start();

        assertThat(ReplyAssertions.count(relay.etrn("#" + EtrnRelay.SMARTHOST_QUEUE))).isEqualTo(3);

        await().atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(mx.messageIds()).containsExactlyInAnyOrderElementsOf(smarthost));
        Fence.assertHeld(relay, mx, dns);
    }

    @Test
    void queueNotAllowlistedIsRefusedAndNothingMoves(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> smarthost = Mails.deferred(relay, "customer.test", 1);
        List<String> dns = Mails.deferred(relay, "other.test", 1);
        mx.start();

        try (SmtpClient site = relay.connect()) {
            // "outgoing" is a RemoteDelivery queue the release engine serves, but the handler does not allow it.
            ReplyAssertions.assertRefused(site.etrn("#" + EtrnRelay.DNS_QUEUE));
            ReplyAssertions.assertRefused(site.etrn("#spool"));
            ReplyAssertions.assertRefused(site.etrn("#no-such-queue"));
        }

        Fence.assertHeld(relay, mx, Mails.concat(smarthost, dns));
    }
}
