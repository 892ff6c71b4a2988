package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
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
 * kill -9 of the persistent server while it releases a node's 1,000 deferred mails, and while it delivers them; then
 * a restart. Every Message-ID reaches the site's MX. A release is one JMS transaction (its consumption of the
 * deferred messages and its released copies commit together), so a crash during it loses and duplicates nothing.
 * Delivery is at least once across a crash, as in every MTA: a mail the MX accepted (250 after DATA) whose dequeue
 * James had not committed yet is delivered again after the restart; the test measures how many and how long that
 * window is, and bounds them.
 *
 * <p>Releases here have no probe ({@code release.probe.mails=0}), so that the release of the 1,000 is the one
 * transaction the kill interrupts; with a probe the same transaction follows the probe's delivery.</p>
 */
class ActiveMQCrashTest {
    private static final int NODE_MAILS = 1_000;
    /** Far above what a crash leaves to deliver twice (the mails in flight at the kill), far below "everything again". */
    private static final int MOST_DUPLICATES = 100;

    private static CustomerMx mx;
    private static ActiveMQRelay relay;

    @BeforeAll
    static void relayWithoutProbe() throws Exception {
        mx = new CustomerMx(Ports.free());
        relay = ActiveMQRelay.start(mx.port(), conf -> conf.setProperty("etrn.properties", "release.probe.mails", "0"));
    }

    @AfterAll
    static void stop() throws Exception {
        relay.close();
        mx.close();
    }

    @BeforeEach
    void siteDownAndForgotten() {
        mx.stop();
        mx.forget();
    }

    private static List<String> nodeMails(String prefix) throws Exception {
        relay.queues().fillDeferred(EtrnRelay.SMARTHOST_QUEUE, NODE_MAILS, "customer.test", prefix);
        return IntStream.range(0, NODE_MAILS).mapToObj(i -> ProbeRoutes.messageId(prefix + "-0-" + i)).collect(Collectors.toList());
    }

    @Test
    void killDuringTheReleaseLosesAndDuplicatesNothing() throws Exception {
        List<String> messageIds = nodeMails("crash-release");
        long logStart = relay.logLength();

        assertThat(relay.etrn("customer.test").last())
            .isEqualTo("253 2.0.0 OK, 1000 pending messages for node customer.test started");
        relay.kill(); // the count is known: the release's transaction is being written or has just been committed
        boolean committed = relay.logSince(logStart).contains("1000 deferred mails selected, 1000 dispatched");
        relay.restart();

        // Either the transaction rolled back (the 1,000 never left their deferred state), or it committed and
        // RemoteDelivery's attempts against the down site deferred them again: each is there once, deferred.
        await().atMost(Duration.ofMinutes(2)).until(() -> {
            List<ProbeRoutes.Waiting> waiting = relay.waiting();
            return waiting.size() == NODE_MAILS && waiting.stream().allMatch(mail -> mail.deferredBeyond(Mails.DEFERRED));
        });
        assertThat(relay.waiting().stream().map(ProbeRoutes.Waiting::name).distinct()).hasSize(NODE_MAILS);
        System.out.printf("ActiveMQCrashTest: killed right after the 253 reply; the release had %s when the log stopped%n",
            committed ? "committed" : "not committed");

        mx.start();
        assertThat(relay.etrn("customer.test").last())
            .isEqualTo("253 2.0.0 OK, 1000 pending messages for node customer.test started");
        await().atMost(Duration.ofMinutes(3)).until(() -> mx.distinctMessageIds() == NODE_MAILS);
        assertThat(mx.messageIds()).containsExactlyInAnyOrderElementsOf(messageIds);
    }

    @Test
    void killDuringDeliveryLosesNothingAndDeliversAgainOnlyWhatWasInFlight() throws Exception {
        List<String> messageIds = nodeMails("crash-delivery");
        mx.start();
        assertThat(relay.etrn("customer.test").last())
            .isEqualTo("253 2.0.0 OK, 1000 pending messages for node customer.test started");
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(5))
            .until(() -> mx.deliveryCount() >= NODE_MAILS * 3 / 10);
        long killedAt = System.nanoTime();
        relay.kill();
        long deliveredBeforeKill = mx.deliveryCount();
        relay.restart();

        // The released copies are due now and persisted: RemoteDelivery takes them up again by itself.
        await().atMost(Duration.ofMinutes(3)).until(() -> mx.distinctMessageIds() == NODE_MAILS);
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.queues().size(EtrnRelay.SMARTHOST_QUEUE) == 0);
        // Settled: a second delivery still under way would show up here.
        AtomicLong lastCount = new AtomicLong(-1);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2))
            .until(() -> mx.deliveryCount() == lastCount.getAndSet(mx.deliveryCount()));
        List<CustomerMx.Delivery> deliveries = mx.deliveries();
        assertThat(deliveries.stream().map(CustomerMx.Delivery::messageId).distinct())
            .containsExactlyInAnyOrderElementsOf(messageIds);

        Map<String, Long> firstAccepted = new HashMap<>();
        Map<String, Integer> times = new HashMap<>();
        for (CustomerMx.Delivery delivery : deliveries) {
            firstAccepted.putIfAbsent(delivery.messageId(), delivery.nanos());
            times.merge(delivery.messageId(), 1, Integer::sum);
        }
        List<String> again = times.entrySet().stream().filter(entry -> entry.getValue() > 1).map(Map.Entry::getKey)
            .collect(Collectors.toList());
        long window = again.stream().mapToLong(id -> killedAt - firstAccepted.get(id)).max().orElse(0);
        System.out.printf("ActiveMQCrashTest: killed after %d deliveries; %d delivered again after the restart; "
            + "the earliest of them had been accepted %d ms before the kill%n", deliveredBeforeKill, again.size(), window / 1_000_000);
        assertThat(again).as("delivered twice").hasSizeLessThanOrEqualTo(MOST_DUPLICATES);
        assertThat(times.values()).as("no mail delivered more than twice").allMatch(count -> count <= 2);
        assertThat(deliveries).hasSize(NODE_MAILS + again.size());
    }
}
