package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.SiteAndSender;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayAndMx;
import org.jamesetrn.kit.Conf;
import org.jamesetrn.kit.CustomerMx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hold's retention on a relay of its own whose HoldForEtrn has short periods (shipped conf otherwise): a
 * "delayed" DSN after {@value #WARN_AFTER}, retries every {@value #RETRY_EVERY} that do not move the expiry clock,
 * and a "failed" DSN after {@value #EXPIRE_AFTER}, when the mail leaves the hold. The site (held.test, through the
 * release processor's gateway) and the sender's MX (sender.test in DNS) are two servers here, so that the DSNs can
 * arrive while the site is down.
 */
class HoldRetentionTest {
    private static final String WARN_AFTER = "1s";
    private static final String EXPIRE_AFTER = "4s";
    private static final String RETRY_EVERY = "1500ms";

    private static SiteAndSender servers;
    private static CustomerMx site;
    private static CustomerMx senderMx;
    private static EtrnRelay relay;

    @BeforeAll
    static void start() throws Exception {
        servers = SiteAndSender.start(EtrnRelay.HANDLER_OPTIONS, HoldRetentionTest::shortPeriods);
        site = servers.site;
        senderMx = servers.senderMx;
        relay = servers.relay;
    }

    private static void shortPeriods(Conf conf) {
        EtrnRelay.holdOptions(conf, ""
            + "<expireAfter>" + EXPIRE_AFTER + "</expireAfter>"
            + "<expiredProcessor>etrn-expired</expiredProcessor>"
            + "<warnAfter>" + WARN_AFTER + "</warnAfter>"
            + "<warnProcessor>etrn-delayed</warnProcessor>"
            + "<retryEvery>" + RETRY_EVERY + "</retryEvery>");
    }

    @AfterAll
    static void stop() throws Exception {
        servers.close();
    }

    @BeforeEach
    void clean() {
        servers.reset();
    }

    @Test
    void theSenderIsWarnedOnceThenTheMailExpiresWithADsnAndLeavesTheHold() throws Exception {
        site.refuse(RelayAndMx.SITE_DOWN).start();
        List<String> held = Mails.send(relay, "held.test", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> relay.heldCount("held.test") == 1);
        Instant since = relay.held("held.test").get(0).since().orElseThrow();

        await().atMost(Duration.ofSeconds(10)).until(() -> dsnActions().contains("delayed"));
        // retryEvery tries the site while it is down: the attempts fail and the expiry clock stays where it was. An
        // attempt's outcome stores the entry's successor, synced, before it removes the entry: a read in between sees
        // both for a few milliseconds, so the settled state is awaited.
        await().atMost(Duration.ofSeconds(10)).until(() -> site.connections() >= 1);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(relay.held("held.test")).singleElement()
            .satisfies(entry -> assertThat(entry.since()).hasValue(since)));

        await().atMost(Duration.ofSeconds(15)).until(() -> dsnActions().contains("failed"));
        await().atMost(Duration.ofSeconds(5)).until(() -> relay.heldCount() == 0);
        assertThat(dsnActions()).as("one delayed DSN, one failed DSN").containsExactly("delayed", "failed");
        assertThat(senderMx.deliveries()).allSatisfy(dsn -> assertThat(dsn.recipients()).containsExactly(EtrnRelay.SENDER));
        assertThat(Duration.between(since, Instant.now())).isGreaterThanOrEqualTo(Duration.parse("PT" + EXPIRE_AFTER));
        assertThat(site.deliveryCount()).isZero();
        assertThat(held).hasSize(1);
    }

    @Test
    void retryEveryDeliversOnceTheSiteIsBackWithoutAnyEtrn() throws Exception {
        List<String> held = Mails.send(relay, "held.test", 2);
        await().atMost(Duration.ofSeconds(5)).until(() -> relay.heldCount("held.test") == 2);
        site.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> site.deliveryCount() >= 2 && relay.heldCount() == 0);
        assertThat(site.messageIds()).containsExactlyInAnyOrderElementsOf(held);
        assertThat(dsnActions()).doesNotContain("failed");
    }

    private static List<String> dsnActions() {
        return senderMx.deliveries().stream()
            .map(CustomerMx.Delivery::dsnAction)
            .flatMap(Optional::stream)
            .collect(Collectors.toList());
    }
}
