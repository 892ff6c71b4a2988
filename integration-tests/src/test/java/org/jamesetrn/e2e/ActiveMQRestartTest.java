package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import org.jamesetrn.e2e.fixture.ActiveMQRelay;
import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.ProbeRoutes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The persistent server keeps deferred mail across a restart: mail sent over SMTP while the site is down, deferred by
 * RemoteDelivery's failed attempt, is still there, still deferred, with the same retry count after James is stopped
 * and started again, and one ETRN then delivers it, each mail once.
 */
class ActiveMQRestartTest {
    private CustomerMx mx;
    private ActiveMQRelay relay;

    @BeforeEach
    void siteDown() throws Exception {
        mx = new CustomerMx(Ports.free());
        relay = ActiveMQRelay.start(mx.port(), conf -> { });
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        mx.close();
    }

    @Test
    void mailDeferredBeforeARestartIsReleasedAndDeliveredAfterIt() throws Exception {
        List<String> messageIds = Mails.send(relay.smtpPort(), "customer.test", 5);
        // Until RemoteDelivery's re-enqueue is committed, ActiveMQ's browse may also show the mail it took (due now). (A
        // mail that left meanwhile once failed the whole listing with a 500: BrowsedMails, ActiveMQQueueListingTest.)
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            List<ProbeRoutes.Waiting> waiting = relay.waiting();
            return waiting.size() == 5 && deferredOnce(waiting) == 5;
        });
        List<String> before = names(relay.waiting());

        long beforeStop = relay.logLength();
        relay.stop();
        // A clean stop (SIGTERM, Ctrl-C of ./james.sh) logs no error: the dequeue loops end as their connections close.
        assertThat(relay.logSince(beforeStop).lines().filter(line -> line.contains("[ERROR]")))
            .as("errors logged while James stopped").isEmpty();
        relay.restart();

        List<ProbeRoutes.Waiting> after = relay.waiting();
        assertThat(names(after)).containsExactlyInAnyOrderElementsOf(before);
        assertThat(deferredOnce(after)).as("still deferred, one failed attempt counted: %s", after).isEqualTo(5);

        mx.start();
        assertThat(relay.etrn("customer.test").last()).isEqualTo("253 2.0.0 OK, 5 pending messages for node customer.test started");
        await().atMost(Duration.ofSeconds(60)).until(() -> mx.deliveryCount() >= 5);
        assertThat(mx.messageIds()).containsExactlyInAnyOrderElementsOf(messageIds);
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.queues().size(EtrnRelay.SMARTHOST_QUEUE) == 0);
    }

    /** Mails waiting for RemoteDelivery's next retry, an hour away, after exactly one failed attempt. */
    private static long deferredOnce(List<ProbeRoutes.Waiting> waiting) {
        return waiting.stream().filter(mail -> mail.retries() == 1 && mail.deferredBeyond(Mails.DEFERRED)).count();
    }

    private static List<String> names(List<ProbeRoutes.Waiting> waiting) {
        return waiting.stream().map(ProbeRoutes.Waiting::name).collect(Collectors.toList());
    }
}
