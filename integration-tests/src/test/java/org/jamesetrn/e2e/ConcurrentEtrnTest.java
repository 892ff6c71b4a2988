package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Scenario 6: twenty clients say ETRN at the same moment; every mail arrives exactly once (by Message-ID). */
@ExtendWith(RelayExtension.class)
class ConcurrentEtrnTest {
    private static final int CLIENTS = 20;
    private static final int MAILS = 40;

    @Test
    void everyMailArrivesExactlyOnce(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> deferred = Mails.deferred(relay, "customer.test", MAILS);
        mx.start();

        etrnTogether(relay, Collections.nCopies(CLIENTS, "customer.test"));

        assertDeliveredExactlyOnce(relay, mx, deferred);
    }

    /** The same, with overlapping nodes: each mail is covered by two or three of the concurrent requests. */
    @Test
    void overlappingNodesDeliverEveryMailExactlyOnce(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> deferred = Mails.concat(
            Mails.deferred(relay, "customer.test", MAILS / 2), Mails.deferred(relay, "sub.customer.test", MAILS / 2));
        mx.start();

        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            nodes.add(List.of("customer.test", "@customer.test", "#" + EtrnRelay.SMARTHOST_QUEUE, "sub.customer.test").get(i % 4));
        }
        etrnTogether(relay, nodes);

        assertDeliveredExactlyOnce(relay, mx, deferred);
    }

    /** One client per node, each connected and greeted, all saying ETRN at the same instant. */
    private static void etrnTogether(EtrnRelay relay, List<String> nodes) throws Exception {
        CyclicBarrier together = new CyclicBarrier(nodes.size());
        ExecutorService clients = Executors.newFixedThreadPool(nodes.size());
        try {
            List<CompletableFuture<SmtpClient.Reply>> replies = new ArrayList<>();
            for (String node : nodes) {
                replies.add(CompletableFuture.supplyAsync(() -> {
                    try (SmtpClient site = relay.connect()) {
                        together.await(30, TimeUnit.SECONDS);
                        return site.etrn(node);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, clients));
            }
            for (CompletableFuture<SmtpClient.Reply> reply : replies) {
                ReplyAssertions.assertStarted(reply.get(60, TimeUnit.SECONDS));
            }
        } finally {
            clients.shutdownNow();
        }
    }

    private static void assertDeliveredExactlyOnce(EtrnRelay relay, CustomerMx mx, List<String> deferred) {
        await().atMost(Duration.ofSeconds(10)).until(() -> mx.messageIds().size() >= deferred.size());
        // Nothing left anywhere in the relay that could still arrive: the count is final.
        await().atMost(Duration.ofSeconds(10)).until(() -> Mails.queued(relay) == 0);
        assertThat(mx.messageIds()).as("delivered by Message-ID").containsExactlyInAnyOrderElementsOf(deferred);
    }
}
