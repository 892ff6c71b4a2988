package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jamesetrn.kit.CustomerMx;

/**
 * Proof that "nothing moved" is not just "not yet": a fresh mail through each RemoteDelivery queue reaches the MX
 * (up) at once. A mail wrongly released before it would have taken the same, shorter path (it is already queued),
 * so once the fresh mails have arrived, absence at the MX means the mail was not released.
 */
final class Fence {
    private Fence() {
    }

    /** Sends one mail through each queue (customer.test: gateway queue; other.test: DNS queue) and awaits them. */
    static List<String> deliveredThroughBothQueues(EtrnRelay relay, CustomerMx mx) {
        List<String> fresh = new ArrayList<>(Mails.send(relay, "customer.test", 1));
        fresh.addAll(Mails.send(relay, "other.test", 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> mx.messageIds().containsAll(fresh));
        return fresh;
    }

    /** Nothing of {@code held} moved: once the fence is through, none of it reached the MX and all of it is deferred. */
    static void assertHeld(EtrnRelay relay, CustomerMx mx, List<String> held) throws Exception {
        deliveredThroughBothQueues(relay, mx);
        assertThat(mx.messageIds()).doesNotContainAnyElementsOf(held);
        assertThat(Mails.deferredIds(relay)).containsExactlyInAnyOrderElementsOf(held);
    }
}
