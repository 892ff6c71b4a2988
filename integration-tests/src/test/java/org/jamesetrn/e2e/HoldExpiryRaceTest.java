package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.HoldRace;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayAndMx;
import org.jamesetrn.e2e.fixture.SiteAndSender;
import org.jamesetrn.kit.Conf;
import org.jamesetrn.kit.CustomerMx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivered or bounced, never both, never neither: held mail whose {@code expireAfter} ({@value #EXPIRE_AFTER})
 * falls while ETRN clients race and the site comes up for short moments. Each Message-ID reaches the site once XOR
 * comes back to its sender (sender.test, a server of its own) in exactly one "failed" DSN.
 */
class HoldExpiryRaceTest {
    private static final Logger LOGGER = LoggerFactory.getLogger(HoldExpiryRaceTest.class);
    private static final int MAILS = 100;
    private static final String EXPIRE_AFTER = "4s";

    private static SiteAndSender servers;
    private static CustomerMx site;
    private static CustomerMx senderMx;
    private static EtrnRelay relay;

    @BeforeAll
    static void start() throws Exception {
        servers = SiteAndSender.start(EtrnRelay.UNLIMITED_HANDLER_OPTIONS, HoldExpiryRaceTest::expireSoon);
        site = servers.site;
        senderMx = servers.senderMx;
        relay = servers.relay;
    }

    private static void expireSoon(Conf conf) {
        EtrnRelay.holdOptions(conf, ""
            + "<expireAfter>" + EXPIRE_AFTER + "</expireAfter>"
            + "<expiredProcessor>etrn-expired</expiredProcessor>");
    }

    @AfterAll
    static void stop() throws Exception {
        servers.close();
    }

    @Test
    void eachHeldMailIsDeliveredOrBouncedExactlyOnceWhenItExpiresDuringReleases() throws Exception {
        site.refuse(RelayAndMx.SITE_DOWN).start();
        List<String> held = Mails.send(relay, "held.test", MAILS);
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.heldCount("held.test") == MAILS);

        // Up 60 ms in every second: some mail gets through, the rest expires while releases are under way.
        HoldRace race = new HoldRace(relay, site).flapping(Duration.ofMillis(60), Duration.ofMillis(940));
        race.run(Duration.ofSeconds(5));

        await().atMost(Duration.ofSeconds(30)).until(() -> relay.heldCount() == 0
            && site.deliveryCount() + bounced().size() >= MAILS);
        // Late duplicates or late DSNs would show now: nothing more arrives for two seconds.
        long settled = site.deliveryCount() + senderMx.deliveryCount();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
            .until(() -> site.deliveryCount() + senderMx.deliveryCount() == settled);

        List<String> bounced = bounced();
        LOGGER.info("{} held mails, {} ETRN: {} delivered, {} bounced", MAILS, race.etrns(), site.deliveryCount(), bounced.size());
        assertThat(senderMx.deliveries()).allSatisfy(dsn -> assertThat(dsn.dsnAction()).contains("failed"));
        Map<String, Long> outcomes = Stream.concat(site.messageIds().stream(), bounced.stream())
            .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(outcomes.keySet()).as("every held mail delivered or bounced").containsExactlyInAnyOrderElementsOf(held);
        assertThat(outcomes).as("none both, none twice").allSatisfy((id, times) -> assertThat(times).isEqualTo(1L));
        assertThat(bounced).as("expiry happened during the race").isNotEmpty();
        assertThat(site.deliveryCount()).as("releases happened during the race").isPositive();
    }

    /** The Message-IDs that came back to the sender in a DSN. */
    private static List<String> bounced() {
        return senderMx.deliveries().stream()
            .map(CustomerMx.Delivery::originalMessageId)
            .flatMap(Optional::stream)
            .collect(Collectors.toList());
    }
}
