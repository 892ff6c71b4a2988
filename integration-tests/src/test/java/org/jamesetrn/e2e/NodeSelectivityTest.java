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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Scenario 2: a node releases its own mail and nothing else; "@domain" adds the subdomains (RFC 1985). */
@ExtendWith(RelayExtension.class)
class NodeSelectivityTest {
    private List<String> customer;
    private List<String> sub;
    private List<String> other;

    /** Two deferred mails each for customer.test, sub.customer.test and other.test; then the site's MX comes up. */
    @BeforeEach
    void mailHeldForThreeNodes(EtrnRelay relay, CustomerMx mx) {
        customer = Mails.deferred(relay, "customer.test", 2);
        sub = Mails.deferred(relay, "sub.customer.test", 2);
        other = Mails.deferred(relay, "other.test", 2);
        mx.start();
    }

    @Test
    void exactDomainReleasesNeitherSubdomainsNorOtherDomains(EtrnRelay relay, CustomerMx mx) throws Exception {
        ReplyAssertions.assertStarted(relay.etrn("customer.test"));

        await().atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(mx.messageIdsFor("customer.test")).containsExactlyInAnyOrderElementsOf(customer));
        Fence.deliveredThroughBothQueues(relay, mx);
        assertThat(mx.messageIdsFor("sub.customer.test")).isEmpty();
        assertThat(mx.messageIdsFor("other.test")).doesNotContainAnyElementsOf(other);
        assertThat(Mails.deferredIds(relay)).containsExactlyInAnyOrderElementsOf(Mails.concat(sub, other));
    }

    @Test
    void atDomainReleasesTheDomainAndItsSubdomainsOnly(EtrnRelay relay, CustomerMx mx) throws Exception {
        ReplyAssertions.assertStarted(relay.etrn("@customer.test"));

        await().atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(mx.messageIds()).containsExactlyInAnyOrderElementsOf(Mails.concat(customer, sub)));
        Fence.deliveredThroughBothQueues(relay, mx);
        assertThat(mx.messageIdsFor("other.test")).doesNotContainAnyElementsOf(other);
        assertThat(Mails.deferredIds(relay)).containsExactlyInAnyOrderElementsOf(other);
    }
}
