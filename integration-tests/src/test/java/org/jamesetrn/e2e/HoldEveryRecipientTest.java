package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.HoldRace;
import org.jamesetrn.e2e.fixture.RecipientMix;
import org.jamesetrn.e2e.fixture.SiteAndSender;
import org.jamesetrn.kit.Conf;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every recipient, every attempt (issue 17), with mail as it really comes: {@value #MAILS} held mails of 1 to 5
 * recipients each; the site refuses about a third of the recipients for now (452) on their first two attempts, and a
 * few for good (550); ETRN from two clients, the hold's {@code retryEvery} and James's WebAdmin reprocess of the hold
 * repository race meanwhile. At the end every recipient has the mail exactly once, except those refused for good,
 * which never have it and get exactly one DSN each, at the sender's MX.
 */
class HoldEveryRecipientTest {
    private static final Logger LOGGER = LoggerFactory.getLogger(HoldEveryRecipientTest.class);
    private static final int MAILS = 300;

    private static SiteAndSender servers;
    private static CustomerMx site;
    private static CustomerMx senderMx;
    private static EtrnRelay relay;

    @BeforeAll
    static void start() throws Exception {
        servers = SiteAndSender.start(EtrnRelay.UNLIMITED_HANDLER_OPTIONS, HoldEveryRecipientTest::retryOften);
        site = servers.site;
        senderMx = servers.senderMx;
        relay = servers.relay;
    }

    private static void retryOften(Conf conf) {
        EtrnRelay.holdOptions(conf, ""
            + "<expireAfter>1 hour</expireAfter>"
            + "<refusedProcessor>etrn-refused</refusedProcessor>"
            + "<retryEvery>700ms</retryEvery>");
    }

    @AfterAll
    static void stop() throws Exception {
        servers.close();
    }

    @Test
    void everyRecipientHasTheMailOnceOrItsSenderOneDsnWhileEverythingRaces() throws Exception {
        RecipientMix mix = RecipientMix.of(17, MAILS, 5, 2, "held.test", "m");
        // Down while the mail is held (retryEvery would release it meanwhile), then answering per recipient.
        site.stop();
        site.answerRecipients(mix.replies());
        try (SmtpClient client = relay.connect()) {
            mix.mails.forEach((messageId, recipients) ->
                assertThat(client.send(EtrnRelay.SENDER, recipients, messageId).code()).isEqualTo(250));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> relay.heldCount("held.test") == MAILS);
        site.start();

        HoldRace race = new HoldRace(relay, site).steadySite().reprocessingEvery(Duration.ofMillis(300));
        race.run(Duration.ofSeconds(8));

        await().atMost(Duration.ofSeconds(120)).until(() -> relay.heldCount() == 0
            && RecipientMix.deliveries(site).size() >= mix.toDeliver()
            && RecipientMix.dsnRecipients(senderMx).size() >= mix.refusedForGood.size());
        // Late copies or late DSNs would show now: nothing more arrives for three seconds.
        long settled = site.deliveryCount() + senderMx.deliveryCount();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6))
            .until(() -> site.deliveryCount() + senderMx.deliveryCount() == settled);

        LOGGER.info("{} held mails, {} recipients ({} refused for now twice, {} for good), {} ETRN, {} reprocess requests: "
            + "{} messages to the site, {} DSNs", MAILS, mix.recipients(), mix.refusedForNow.size(),
            mix.refusedForGood.size(), race.etrns(), race.reprocesses(), site.deliveryCount(), senderMx.deliveryCount());
        mix.assertEveryRecipientOnceOrOneDsn(site, senderMx);
    }
}
