package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.HoldRace;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayAndMx;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.Conf;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.TestDns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly once on a server while everything that can release a held mail races: ETRN from several clients, the
 * hold's {@code retryEvery}, James's WebAdmin reprocess of the hold repository (which claims nothing itself: the
 * release processor's HoldDelivery does), and a site that flaps between refusing (421) and accepting. Every
 * Message-ID must reach the site exactly once.
 */
class HoldExactlyOnceTest {
    private static final Logger LOGGER = LoggerFactory.getLogger(HoldExactlyOnceTest.class);
    private static final int MAILS = 150;
    private static final Duration RACE = Duration.ofSeconds(8);

    private static CustomerMx site;
    private static EtrnRelay relay;

    @BeforeAll
    static void start() throws Exception {
        site = new CustomerMx(Ports.free()).start(); // listening while the relay picks its ports: none is the site's
        // Two clients send ETRN as fast as they can: no rate limit here.
        relay = EtrnRelay.start(new TestDns(), site.port(), EtrnRelay.UNLIMITED_HANDLER_OPTIONS, HoldExactlyOnceTest::retryOften);
    }

    private static void retryOften(Conf conf) {
        EtrnRelay.holdOptions(conf, ""
            + "<expireAfter>1 hour</expireAfter>"
            + "<retryEvery>700ms</retryEvery>");
    }

    @AfterAll
    static void stop() throws Exception {
        relay.close();
        site.close();
    }

    @Test
    void etrnRetryEveryReprocessAndAFlappingSiteDeliverEachHeldMailExactlyOnce() throws Exception {
        site.refuse(RelayAndMx.SITE_DOWN).start();
        List<String> held = Mails.send(relay, "held.test", MAILS);
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.heldCount("held.test") == MAILS);

        HoldRace race = new HoldRace(relay, site).flapping(Duration.ofMillis(250), Duration.ofMillis(250))
            .reprocessingEvery(Duration.ofMillis(150));
        race.run(RACE);
        assertThat(race.flaps()).as("the site went down and up during the race").isGreaterThanOrEqualTo(4);

        // The site stays up: retryEvery and one more ETRN deliver whatever is left, then nothing is held or in flight.
        ReplyAssertions.assertStarted(relay.etrn("held.test"));
        await().atMost(Duration.ofSeconds(60)).until(() -> relay.heldCount() == 0 && site.deliveryCount() >= MAILS);
        // Late duplicates would show now: nothing more arrives for two seconds.
        long delivered = site.deliveryCount();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> site.deliveryCount() == delivered);
        LOGGER.info("{} held mails, {} ETRN, {} reprocess requests, {} connections: {} deliveries", MAILS, race.etrns(),
            race.reprocesses(), site.connections(), site.deliveryCount());
        assertThat(site.messageIds()).as("each held mail exactly once").containsExactlyInAnyOrderElementsOf(held);
    }
}
