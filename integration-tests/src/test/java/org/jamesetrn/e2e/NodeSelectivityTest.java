package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Scenario 2: a node releases its own mail and nothing else; "@domain" adds the subdomains (RFC 1985). */
@ExtendWith(RelayExtension.class)
class NodeSelectivityTest {
    @Test
    void exactDomainReleasesNeitherSubdomainsNorOtherDomains(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> customer = Mails.deferred(relay, "customer.test", 2);
        List<String> sub = Mails.deferred(relay, "sub.customer.test", 2);
        List<String> other = Mails.deferred(relay, "other.test", 2);
        mx.start();

        try (SmtpClient site = relay.connect()) {
            EtrnReplies.assertStarted(site.etrn("customer.test"));
        }

        await().atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(mx.messageIdsFor("customer.test")).containsExactlyInAnyOrderElementsOf(customer));
        Fence.deliveredThroughBothQueues(relay, mx);
        assertThat(mx.messageIdsFor("sub.customer.test")).isEmpty();
        assertThat(mx.messageIdsFor("other.test")).doesNotContainAnyElementsOf(other);
        assertThat(Mails.deferredIds(relay)).containsExactlyInAnyOrderElementsOf(concat(sub, other));
    }

    @Test
    void atDomainReleasesTheDomainAndItsSubdomainsOnly(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> customer = Mails.deferred(relay, "customer.test", 2);
        List<String> sub = Mails.deferred(relay, "sub.customer.test", 2);
        List<String> other = Mails.deferred(relay, "other.test", 2);
        mx.start();

        try (SmtpClient site = relay.connect()) {
            EtrnReplies.assertStarted(site.etrn("@customer.test"));
        }

        await().atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(mx.messageIds()).containsExactlyInAnyOrderElementsOf(concat(customer, sub)));
        Fence.deliveredThroughBothQueues(relay, mx);
        assertThat(mx.messageIdsFor("other.test")).doesNotContainAnyElementsOf(other);
        assertThat(Mails.deferredIds(relay)).containsExactlyInAnyOrderElementsOf(other);
    }

    static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new java.util.ArrayList<>(first);
        all.addAll(second);
        return all;
    }
}
