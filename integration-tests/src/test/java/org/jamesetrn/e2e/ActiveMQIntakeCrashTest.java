package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.jamesetrn.e2e.fixture.ActiveMQRelay;
import org.jamesetrn.kit.Burst;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.Ports;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 18, a 250 is a promise, on the persistent server ({@code ./james.sh}: James's ActiveMQ queue, the hold in
 * {@code file://}): a burst for a held node over several SMTP sessions, the server killed with SIGKILL right after the
 * last 250, most of the burst still in its spool. Started again on its folder, it holds every acknowledged mail, and
 * one ETRN delivers each of them to the site exactly once.
 */
class ActiveMQIntakeCrashTest {
    private static final Logger LOGGER = LoggerFactory.getLogger(ActiveMQIntakeCrashTest.class);
    private static final String NODE = "held.test";
    private static final int MAILS = 400;
    private static final int SESSIONS = 6;

    @Test
    void everyMailAcknowledgedBeforeAKillMinusNineIsHeldAfterTheRestartAndDeliveredOnce() throws Exception {
        try (CustomerMx site = new CustomerMx(Ports.free()).start(); // listening while James picks its ports
             // Without the in-flow delay, as an admin may run it: most of the burst is still in the spool at the kill.
             ActiveMQRelay relay = ActiveMQRelay.start(site.port(), conf -> conf.setElements("smtpserver.xml", "inFlowDelay", "0"))) {
            site.stop();
            Burst.Result burst = Burst.of(MAILS, SESSIONS, i -> NODE).sendTo(relay.smtpPort());
            relay.kill();
            LOGGER.info("Burst: {} of {} acknowledged over {} sessions in {} ms ({} per second); killed right after the last 250",
                burst.acknowledged().size(), MAILS, SESSIONS, burst.elapsed().toMillis(), Math.round(burst.acceptedPerSecond()));
            assertThat(burst.refused()).as("refused by a server under no fault").isEmpty();

            relay.restart();
            long heldAtRestart = relay.deferred(NODE);
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> relay.deferred(NODE) == burst.acknowledged().size());
            LOGGER.info("{} were held when the server was up again, the other {} came from its persistent spool",
                heldAtRestart, burst.acknowledged().size() - heldAtRestart);

            site.start();
            assertThat(relay.etrn(NODE).code()).isEqualTo(253);
            await().atMost(Duration.ofSeconds(120)).until(() -> site.distinctMessageIds() >= burst.acknowledged().size()
                && relay.deferred(NODE) == 0);
            long delivered = site.deliveryCount();
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> site.deliveryCount() == delivered);
            assertThat(site.messageIds()).as("every acknowledged mail, exactly once")
                .containsExactlyInAnyOrderElementsOf(burst.acknowledgedIds());
        }
    }
}
