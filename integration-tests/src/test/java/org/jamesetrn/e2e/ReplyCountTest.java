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
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Scenario 7: 251 when nothing is deferred for the node, 253 with the exact number of mails started. */
@ExtendWith(RelayExtension.class)
class ReplyCountTest {
    @Test
    void nothingDeferredFor251(EtrnRelay relay, CustomerMx mx) {
        Mails.deferred(relay, "other.test", 2);

        try (SmtpClient site = relay.connect()) {
            assertThat(site.etrn("customer.test").code()).isEqualTo(251);
            assertThat(site.etrn("@customer.test").code()).isEqualTo(251);
        }
    }

    @Test
    void exactCountsOnly253ForTheNodesOwnMail(EtrnRelay relay, CustomerMx mx) {
        List<String> customer = Mails.deferred(relay, "customer.test", 3);
        List<String> sub = Mails.deferred(relay, "sub.customer.test", 2);
        Mails.deferred(relay, "other.test", 4);
        mx.start();

        try (SmtpClient site = relay.connect()) {
            assertThat(ReplyAssertions.count(site.etrn("customer.test"))).isEqualTo(3);
            await().atMost(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(mx.messageIds()).containsExactlyInAnyOrderElementsOf(customer));

            assertThat(ReplyAssertions.count(site.etrn("@customer.test"))).as("only the subdomain's are left").isEqualTo(2);
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(mx.messageIds())
                .containsExactlyInAnyOrderElementsOf(Mails.concat(customer, sub)));

            assertThat(site.etrn("@customer.test").code()).as("all delivered").isEqualTo(251);
        }
    }
}
