package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.CustomerMx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Scenario 1: mail held while the customer site is down goes out when the site says ETRN, and only then. */
@ExtendWith(RelayExtension.class)
class DeferredMailReleaseTest {
    @Test
    void etrnDeliversEveryDeferredMailWithinTwoSecondsOnceTheSiteIsBack(EtrnRelay relay, CustomerMx mx) {
        List<String> deferred = Mails.deferred(relay, "customer.test", 5);

        mx.start();
        ReplyAssertions.assertStarted(relay.etrn("customer.test"));

        await().atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(mx.messageIdsFor("customer.test")).containsExactlyInAnyOrderElementsOf(deferred));
    }

    @Test
    void withoutEtrnDeferredMailWaitsForItsRetryEvenWhenTheSiteIsBack(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> deferred = Mails.deferred(relay, "customer.test", 3);

        mx.start();
        // A new mail through the same queue and delivery threads reaches the site at once...
        List<String> fresh = Mails.send(relay, "customer.test", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> mx.messageIds().containsAll(fresh));

        // ...while the deferred ones keep waiting for their retry, an hour away.
        assertThat(mx.messageIdsFor("customer.test")).containsExactlyElementsOf(fresh);
        assertThat(Mails.deferredIds(relay)).containsExactlyInAnyOrderElementsOf(deferred);
    }
}
