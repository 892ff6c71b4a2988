package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayAndMx;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.ProbeRoutes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 11: an ETRN for a site that is still down costs one delivery attempt, not one per mail. The site's MX
 * answers every connection with a 421 (down for now), so that each attempt is counted at its port.
 */
@ExtendWith(RelayExtension.class)
class ProbeFirstTest {
    private static final Logger LOGGER = LoggerFactory.getLogger(ProbeFirstTest.class);
    private static final int MAILS = 200;
    private static final int ETRNS = 100;

    @Test
    void etrnWhileTheSiteIsDownCostsOneAttemptThenOneEtrnDeliversEverythingOnce(EtrnRelay relay, CustomerMx mx)
            throws Exception {
        List<String> deferred = Mails.deferred(relay, "customer.test", MAILS);
        List<String> held = Mails.send(relay, "held.test", MAILS);
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.heldCount("held.test") == MAILS);
        Map<String, ProbeRoutes.Waiting> queuedBefore = byMessageId(Mails.waiting(relay));
        mx.refuse(RelayAndMx.SITE_DOWN).start();

        for (int i = 0; i < ETRNS; i++) {
            ReplyAssertions.assertStarted(relay.etrn("customer.test"));
            ReplyAssertions.assertStarted(relay.etrn("held.test"));
        }
        // Every release is over when nothing is in flight: the probes are back, deferred or held.
        await().atMost(Duration.ofSeconds(30)).until(() -> Mails.deferredIds(relay).size() == MAILS
            && relay.heldCount("held.test") == MAILS && quiet(relay));

        assertThat(mx.connections()).as("delivery attempts for %s ETRN per node", ETRNS).isBetween(1, 2 * ETRNS);
        assertThat(mx.deliveryCount()).isZero();
        Map<String, ProbeRoutes.Waiting> queuedAfter = byMessageId(Mails.waiting(relay));
        assertThat(queuedAfter.keySet()).as("all deferred mail kept, no bounce queued").isEqualTo(queuedBefore.keySet());
        for (String messageId : deferred) {
            assertThat(queuedAfter.get(messageId).retries()).as("retry count of %s", messageId)
                .isEqualTo(queuedBefore.get(messageId).retries());
        }
        LOGGER.info("{} ETRN per node while the site was down: {} delivery attempts", ETRNS, mx.connections());

        mx.answer();
        long start = System.nanoTime();
        ReplyAssertions.assertStarted(relay.etrn("customer.test"));
        ReplyAssertions.assertStarted(relay.etrn("held.test"));
        await().atMost(Duration.ofSeconds(60)).until(() -> mx.deliveryCount() >= 2L * MAILS);
        LOGGER.info("ETRN to the last of {} delivered: {} ms", 2 * MAILS, (mx.lastDeliveryNanos() - start) / 1_000_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> Mails.queued(relay) == 0 && relay.heldCount() == 0);
        assertThat(mx.messageIds()).containsExactlyInAnyOrderElementsOf(Mails.concat(deferred, held));
        assertThat(mx.messageIdsFor("sender.test")).as("bounces").isEmpty();
    }

    @Test
    void etrnsWhileTheProbeIsInFlightJoinIt(EtrnRelay relay, CustomerMx mx) throws Exception {
        Mails.send(relay, "held.test", 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("held.test") == 3);
        mx.stall().start();

        assertThat(ReplyAssertions.count(relay.etrn("held.test"))).isEqualTo(3);
        await().atMost(Duration.ofSeconds(10)).until(() -> mx.connections() == 1);
        // The probe is stuck in the site's stalled session: more ETRN get the running release's count, no new attempt.
        for (int i = 0; i < 5; i++) {
            assertThat(ReplyAssertions.count(relay.etrn("held.test"))).isEqualTo(3);
        }
        assertThat(mx.connections()).isEqualTo(1);

        // The site drops the session: RemoteDelivery's attempt fails, the probe goes back to the hold.
        mx.stop();
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.heldCount("held.test") == 3 && quiet(relay));
        mx.answer().start();
        assertThat(ReplyAssertions.count(relay.etrn("held.test"))).isEqualTo(3);
        await().atMost(Duration.ofSeconds(10)).until(() -> mx.deliveryCount() == 3 && relay.heldCount() == 0);
        assertThat(mx.distinctMessageIds()).isEqualTo(3);
    }

    /** No RemoteDelivery of the hold's release processor holds a mail (waiting or in an attempt). */
    private static boolean quiet(EtrnRelay relay) throws Exception {
        for (String queue : EtrnRelay.HOLD_QUEUES) {
            if (relay.queues().sizeIfExists(queue) > 0) {
                return false;
            }
        }
        return Mails.waiting(relay).stream().noneMatch(mail -> mail.nextDelivery()
            .filter(next -> next.isBefore(Instant.now().plus(Mails.DEFERRED))).isPresent());
    }

    private static Map<String, ProbeRoutes.Waiting> byMessageId(List<ProbeRoutes.Waiting> mails) {
        return mails.stream().collect(Collectors.toMap(Mails::messageId, Function.identity()));
    }
}
