package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.jamesetrn.e2e.fixture.Cluster;
import org.jamesetrn.e2e.fixture.ClusterExtension;
import org.jamesetrn.e2e.fixture.ClusterServer;
import org.jamesetrn.e2e.fixture.HoldRace;
import org.jamesetrn.e2e.fixture.RecipientMix;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every recipient, every attempt (issue 17) on the cluster: HoldEveryRecipientTest's mail on {@code cassandra://}, two
 * servers racing. {@value #MAILS} held mails of 1 to 4 recipients, half accepted by each server; the site refuses about
 * a third of the recipients for now (452) on their first two attempts and a few for good (550); ETRN and James's
 * WebAdmin reprocess on both servers, and both servers' {@code retryEvery}, race meanwhile. Every recipient has the mail
 * exactly once, except those refused for good, which never have it and get exactly one DSN each.
 */
@ExtendWith(ClusterExtension.class)
class ClusterEveryRecipientTest {
    private static final Logger LOGGER = LoggerFactory.getLogger(ClusterEveryRecipientTest.class);
    private static final int MAILS = 120;
    /** A sender in a domain the cluster relays to the test's MX, where the DSNs are seen. */
    private static final String SENDER = "sender@customer.test";

    @Test
    void everyRecipientHasTheMailOnceOrItsSenderOneDsnWhileBothServersRace(Cluster cluster) throws Exception {
        RecipientMix mix = RecipientMix.of(18, MAILS, 4, 3, ClusterServer.RETRY_NODE, "c");
        // The site is down while the mail is held (retryEvery would release it meanwhile), then answers per recipient.
        CustomerMx site = cluster.mx;
        site.answerRecipients(mix.replies());
        int index = 0;
        try (SmtpClient toA = cluster.a.connect(); SmtpClient toB = cluster.b.connect()) {
            for (Map.Entry<String, List<String>> mail : mix.mails.entrySet()) {
                SmtpClient client = index++ % 2 == 0 ? toA : toB;
                assertThat(client.send(SENDER, mail.getValue(), mail.getKey()).code()).isEqualTo(250);
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() ->
            cluster.a.held(ClusterServer.RETRY_ROOT, ClusterServer.RETRY_NODE) == MAILS);
        site.start();

        HoldRace race = new HoldRace(site, ClusterServer.RETRY_NODE,
                ClusterServer.encodedPath(ClusterServer.RETRY_ROOT, ClusterServer.RETRY_NODE))
            .steadySite()
            .reprocessingEvery(Duration.ofMillis(300));
        for (ClusterServer server : cluster.servers()) {
            race.server(server::etrn, server.webAdmin(), 1);
        }
        race.run(Duration.ofSeconds(8));

        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).until(() ->
            cluster.a.held(ClusterServer.RETRY_ROOT, ClusterServer.RETRY_NODE) == 0
                && RecipientMix.deliveries(site).size() >= mix.toDeliver()
                && RecipientMix.dsnRecipients(site).size() >= mix.refusedForGood.size());
        // Late copies or late DSNs would show now: nothing more arrives for three seconds.
        long settled = site.deliveryCount();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).until(() -> site.deliveryCount() == settled);

        LOGGER.info("{} held mails, {} recipients ({} refused for now twice, {} for good), {} ETRN, {} reprocess requests "
            + "on two servers: {} messages to the site, DSNs included", MAILS, mix.recipients(), mix.refusedForNow.size(),
            mix.refusedForGood.size(), race.etrns(), race.reprocesses(), site.deliveryCount());
        // The sender's domain is relayed to the same MX: the DSNs are seen there.
        mix.assertEveryRecipientOnceOrOneDsn(site, site);
    }
}
