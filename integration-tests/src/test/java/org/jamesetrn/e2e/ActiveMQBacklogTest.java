package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.jamesetrn.e2e.fixture.ActiveMQRelay;
import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.ProbeRoutes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A backup MX's backlog on the persistent server: 10,000 deferred mails for 50 other sites queued ahead of a node's
 * mail, in the queue customer.test's route uses. ActiveMQ pages only 200 messages of a queue into memory by default,
 * and a JMS selector sees only those: without the extension's wider window, ETRN would answer 251 and James's own
 * dequeue would never reach mail that is due (JAMES-4192). One server for the class; the others stay queued.
 */
class ActiveMQBacklogTest {
    private static final int OTHERS = 10_000;
    private static final int NODE_MAILS = 1_000;
    private static final String OTHER_SITES = IntStream.range(0, 50).mapToObj(i -> "other-" + i + ".example")
        .collect(Collectors.joining(","));

    private static CustomerMx mx;
    private static ActiveMQRelay relay;

    @BeforeAll
    static void backupMxWithABacklog() throws Exception {
        mx = new CustomerMx(Ports.free()).start();
        relay = ActiveMQRelay.start(mx.port(), conf -> { });
        relay.queues().fillDeferred(EtrnRelay.SMARTHOST_QUEUE, OTHERS, OTHER_SITES, "other");
    }

    @AfterAll
    static void stop() throws Exception {
        relay.close();
        mx.close();
    }

    @BeforeEach
    void freshMx() {
        mx.answerLate(Duration.ZERO);
        mx.forget();
    }

    @Test
    void etrnReleasesAndDeliversTheNodesThousandQueuedBehindTenThousandOthers() throws Exception {
        relay.queues().fillDeferred(EtrnRelay.SMARTHOST_QUEUE, NODE_MAILS, "customer.test", "node");
        List<String> expected = IntStream.range(0, NODE_MAILS).mapToObj(i -> ProbeRoutes.messageId("node-0-" + i))
            .collect(Collectors.toList());

        assertThat(relay.etrn("customer.test").last())
            .isEqualTo("253 2.0.0 OK, 1000 pending messages for node customer.test started");

        await().atMost(Duration.ofMinutes(3)).until(() -> mx.deliveryCount("customer.test") >= NODE_MAILS);
        assertThat(mx.messageIdsFor("customer.test")).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(mx.deliveryCount()).as("no other site's mail, no duplicate").isEqualTo(NODE_MAILS);
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.queues().size(EtrnRelay.SMARTHOST_QUEUE) == OTHERS);
        assertThat(relay.waiting()).hasSize(OTHERS)
            .allSatisfy(mail -> assertThat(mail.deferredBeyond(Mails.DEFERRED)).as("%s still deferred", mail).isTrue());
    }

    /**
     * A site across a real network: each SMTP reply 20 ms late, so that deliveries overlap and RemoteDelivery asks
     * for the next mail from many threads at once. James 3.8.1's JMS dequeue loop then dropped mails it had
     * received (12 of 1,000 stayed in flight until a restart); the persistent server runs that loop on one thread
     * per queue. Every mail arrives, once, and the queue keeps nothing but the other sites' mail.
     */
    @Test
    void everyMailOfABurstReachesASiteThatAnswersLateAndNoneStaysInFlight() throws Exception {
        mx.answerLate(Duration.ofMillis(20));
        relay.queues().fillDeferred(EtrnRelay.SMARTHOST_QUEUE, NODE_MAILS, "customer.test", "late");

        assertThat(relay.etrn("customer.test").last())
            .isEqualTo("253 2.0.0 OK, 1000 pending messages for node customer.test started");

        await().atMost(Duration.ofMinutes(3)).until(() -> mx.distinctMessageIds() == NODE_MAILS);
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.queues().size(EtrnRelay.SMARTHOST_QUEUE) == OTHERS);
        assertThat(mx.deliveryCount()).isEqualTo(NODE_MAILS);
    }

    @Test
    void mailDueNowBehindTenThousandDeferredOnesIsDeliveredWithinSeconds() throws Exception {
        // Low priority, like a deferred mail whose retry time has come: priority does not put it ahead of the others.
        relay.queues().fill(EtrnRelay.SMARTHOST_QUEUE, 1, "customer.test", "due", Duration.ZERO);
        long queued = System.nanoTime();

        await().atMost(Duration.ofSeconds(30)).until(() -> mx.deliveryCount("customer.test") == 1);
        assertThat(mx.messageIds()).containsExactly(ProbeRoutes.messageId("due-0-0"));
        System.out.printf("ActiveMQBacklogTest: due mail behind %d deferred ones delivered after %d ms%n",
            OTHERS, (mx.firstDeliveryNanos() - queued) / 1_000_000);
        // The site has the mail before RemoteDelivery commits its dequeue (after its onSuccess enqueue): then only the
        // others are left.
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.queues().size(EtrnRelay.SMARTHOST_QUEUE) == OTHERS);
    }
}
