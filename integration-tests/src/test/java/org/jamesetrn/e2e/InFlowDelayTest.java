package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.jamesetrn.e2e.fixture.ActiveMQRelay;
import org.jamesetrn.kit.Burst;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.Ports;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 18, intake keeps up: on the persistent server, a burst for a held node over many SMTP sessions is accepted at
 * the pace the spool holds it (smtpserver.xml's {@code InFlowDelayHook}, Postfix's in_flow_delay): the spool never
 * holds much more than {@code spoolBacklog} mails, and every acknowledged mail is held. Without the hook the spool
 * piles up hundreds of acknowledged mails in such a burst (accepting is faster than holding: docs/bench.md, "Durable
 * intake").
 */
class InFlowDelayTest {
    private static final Logger LOGGER = LoggerFactory.getLogger(InFlowDelayTest.class);
    private static final String NODE = "held.test";
    private static final int MAILS = 1500;
    private static final int SESSIONS = 10;
    private static final int SPOOL_BACKLOG = 20;
    /**
     * What may wait in the spool above the limit: each session may pass the count of the last 50 ms
     * ({@code InFlowPacer.RECOUNT}) and send a mail or two meanwhile, and the spool's 8 threads' mails in process count
     * until they are committed.
     */
    private static final int OVERSHOOT = 2 * SESSIONS + 8 + 10;

    @Test
    void aBurstIsAcceptedAtThePaceTheSpoolHoldsIt() throws Exception {
        try (CustomerMx site = new CustomerMx(Ports.free()).start(); // listening while James picks its ports
             ActiveMQRelay relay = ActiveMQRelay.start(site.port(),
                 conf -> conf.setElements("smtpserver.xml", "spoolBacklog", String.valueOf(SPOOL_BACKLOG)))) {
            site.stop();
            CompletableFuture<Burst.Result> sent = CompletableFuture.supplyAsync(
                () -> Burst.of(MAILS, SESSIONS, i -> NODE).sendTo(relay.smtpPort()));
            long largest = 0;
            while (!sent.isDone()) {
                largest = Math.max(largest, relay.queues().size("spool"));
            }
            Burst.Result burst = sent.join();
            LOGGER.info("Burst: {} of {} acknowledged over {} sessions in {} ms ({} per second); the spool held at most {}",
                burst.acknowledged().size(), MAILS, SESSIONS, burst.elapsed().toMillis(),
                Math.round(burst.acceptedPerSecond()), largest);

            assertThat(burst.refused()).as("paced, never refused").isEmpty();
            assertThat(largest).as("the spool's largest backlog during the burst").isLessThanOrEqualTo(SPOOL_BACKLOG + OVERSHOOT);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> relay.deferred(NODE) == burst.acknowledged().size());
        }
    }
}
