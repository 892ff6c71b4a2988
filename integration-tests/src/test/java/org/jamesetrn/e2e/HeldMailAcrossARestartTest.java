package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.jamesetrn.e2e.fixture.ActiveMQRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.Ports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Case 4 of issue 17, on the persistent server ({@code ./james.sh --queue activemq}): held mail released to a site
 * that takes the connections and answers nothing yet, the server stopped (SIGTERM) or killed (kill -9) with every copy
 * in flight, started again, then ETRN until the site, answering again, has everything. The copies in flight outlive the
 * restart in ActiveMQ while the claims (in memory) do not. Failed on main (kill -9: every held mail arrived twice,
 * the copy of each run): each copy met after the restart was delivered, and its entry released again. Now a copy met
 * after the restart claims its entry anew or is dropped. Nothing reached the site before the stop, so no copy may
 * arrive twice: there is no crash window to allow for.
 */
class HeldMailAcrossARestartTest {
    private static final int MAILS = 20;
    private static final String HOLD = "file://var/mail/etrn-hold/";

    private CustomerMx site;
    private ActiveMQRelay relay;

    @BeforeEach
    void start() throws Exception {
        site = new CustomerMx(Ports.free());
        // Every held mail at once (no probe first): after the restart, each entry's new copy races its old one.
        relay = ActiveMQRelay.start(site.port(), conf -> conf.setProperty("etrn.properties", "release.probe.mails", "0"));
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        site.close();
    }

    @Test
    void aStopWithEveryCopyInFlightDeliversEachHeldMailOnceAfterTheRestart() throws Exception {
        List<String> held = releaseThenRestart(false);

        assertThat(copies().keySet()).containsExactlyInAnyOrderElementsOf(held);
        assertThat(copies()).as("each held mail once").allSatisfy((messageId, times) -> assertThat(times).isEqualTo(1L));
    }

    @Test
    void aKillWithEveryCopyInFlightDeliversEachHeldMailOnceAfterTheRestart() throws Exception {
        List<String> held = releaseThenRestart(true);

        assertThat(copies().keySet()).containsExactlyInAnyOrderElementsOf(held);
        assertThat(copies()).as("each held mail once").allSatisfy((messageId, times) -> assertThat(times).isEqualTo(1L));
    }

    private List<String> releaseThenRestart(boolean kill) throws Exception {
        site.stall().start(); // connections taken, never answered: every copy's attempt hangs
        List<String> held = Mails.send(relay.smtpPort(), "held.test", MAILS);
        await().atMost(Duration.ofSeconds(60)).until(() -> relay.queues().heldCount(HOLD) == MAILS);

        ReplyAssertions.assertStarted(relay.etrn("held.test"));
        await().atMost(Duration.ofSeconds(60)).until(() -> site.connections() >= 1);
        if (kill) {
            relay.kill();
        } else {
            relay.stop();
        }
        site.stop();
        site.answer().start();
        assertThat(site.deliveryCount()).as("nothing delivered before the restart").isZero();
        relay.restart();

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            relay.etrn("held.test");
            return site.distinctMessageIds() >= MAILS && relay.queues().heldCount(HOLD) == 0;
        });
        // Late copies would show now: nothing more arrives for three seconds while the site keeps asking.
        long settled = site.deliveryCount();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).until(() -> {
            relay.etrn("held.test");
            return site.deliveryCount() == settled;
        });
        return held;
    }

    private Map<String, Long> copies() {
        return site.messageIds().stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }
}
