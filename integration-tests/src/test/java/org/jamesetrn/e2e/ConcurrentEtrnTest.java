package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Scenario 6: twenty clients say ETRN for the same node at the same moment; every mail arrives exactly once. */
@ExtendWith(RelayExtension.class)
class ConcurrentEtrnTest {
    private static final int CLIENTS = 20;
    private static final int MAILS = 40;

    @Test
    void everyMailArrivesExactlyOnce(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> deferred = Mails.deferred(relay, "customer.test", MAILS);
        mx.start();

        CyclicBarrier together = new CyclicBarrier(CLIENTS);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<CompletableFuture<SmtpClient.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                replies.add(CompletableFuture.supplyAsync(() -> {
                    try (SmtpClient site = relay.connect()) {
                        together.await(30, TimeUnit.SECONDS);
                        return site.etrn("customer.test");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, clients));
            }
            for (CompletableFuture<SmtpClient.Reply> reply : replies) {
                EtrnReplies.assertStarted(reply.get(60, TimeUnit.SECONDS));
            }
        } finally {
            clients.shutdownNow();
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> mx.messageIds().size() >= MAILS);
        // Nothing left anywhere in the relay that could still arrive: the count is final.
        await().atMost(Duration.ofSeconds(10)).until(() -> Mails.queued(relay) == 0);
        assertThat(mx.messageIds()).as("delivered by Message-ID").containsExactlyInAnyOrderElementsOf(deferred);
    }
}
