package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.jamesetrn.e2e.fixture.Cluster;
import org.jamesetrn.e2e.fixture.ClusterExtension;
import org.jamesetrn.e2e.fixture.ClusterServer;
import org.jamesetrn.e2e.fixture.HoldRace;
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
    private static final String LATER = "452 4.2.1 mailbox busy, try again later";
    private static final String UNKNOWN = "550 5.1.1 no such user";
    /** A sender in a domain the cluster relays to the test's MX, where the DSNs are seen. */
    private static final String SENDER = "sender@customer.test";

    @Test
    void everyRecipientHasTheMailOnceOrItsSenderOneDsnWhileBothServersRace(Cluster cluster) throws Exception {
        Random random = new Random(18);
        Map<String, List<String>> mails = new LinkedHashMap<>();
        Set<String> refusedForNow = new HashSet<>();
        Set<String> refusedForGood = new HashSet<>();
        for (int mail = 0; mail < MAILS; mail++) {
            List<String> recipients = new ArrayList<>();
            for (int recipient = 0, count = 1 + random.nextInt(4); recipient < count; recipient++) {
                String address = "r" + mail + "-" + recipient + "@" + ClusterServer.RETRY_NODE;
                recipients.add(address);
                int draw = random.nextInt(100);
                if (draw < 3) {
                    refusedForGood.add(address);
                } else if (draw < 35) {
                    refusedForNow.add(address);
                }
            }
            mails.put("<c" + mail + "@e2e.test>", recipients);
        }
        // The site is down while the mail is held (retryEvery would release it meanwhile), then answers per recipient.
        CustomerMx site = cluster.mx;
        site.answerRecipients((address, attempt) -> refusedForGood.contains(address) ? UNKNOWN
            : refusedForNow.contains(address) && attempt <= 2 ? LATER : null);
        int index = 0;
        try (SmtpClient toA = cluster.a.connect(); SmtpClient toB = cluster.b.connect()) {
            for (Map.Entry<String, List<String>> mail : mails.entrySet()) {
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

        long expected = mails.values().stream().mapToLong(List::size).sum() - refusedForGood.size();
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).until(() ->
            cluster.a.held(ClusterServer.RETRY_ROOT, ClusterServer.RETRY_NODE) == 0
                && deliveries(site).size() >= expected && dsnRecipients(site).size() >= refusedForGood.size());
        // Late copies or late DSNs would show now: nothing more arrives for three seconds.
        long settled = site.deliveryCount();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).until(() -> site.deliveryCount() == settled);

        LOGGER.info("{} held mails, {} recipients ({} refused for now twice, {} for good), {} ETRN, {} reprocess requests "
            + "on two servers: {} messages to the site, DSNs included", MAILS, expected + refusedForGood.size(),
            refusedForNow.size(), refusedForGood.size(), race.etrns(), race.reprocesses(), site.deliveryCount());
        Map<String, Long> delivered = deliveries(site).stream()
            .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        List<String> everyDelivery = mails.entrySet().stream()
            .flatMap(mail -> mail.getValue().stream().filter(address -> !refusedForGood.contains(address))
                .map(address -> mail.getKey() + " " + address))
            .collect(Collectors.toList());
        assertThat(delivered.keySet()).as("every recipient not refused for good has the mail")
            .containsExactlyInAnyOrderElementsOf(everyDelivery);
        assertThat(delivered.entrySet().stream().filter(delivery -> delivery.getValue() != 1).collect(Collectors.toList()))
            .as("delivered more than once").isEmpty();
        assertThat(dsnRecipients(site)).as("one DSN per recipient refused for good, none for the others")
            .containsExactlyInAnyOrderElementsOf(refusedForGood);
    }

    /** "Message-ID recipient", once per delivery of a held mail to that recipient (DSNs left out). */
    private static List<String> deliveries(CustomerMx site) {
        return site.deliveries().stream()
            .filter(delivery -> delivery.dsnAction().isEmpty())
            .flatMap(delivery -> delivery.recipients().stream().map(address -> delivery.messageId() + " " + address))
            .collect(Collectors.toList());
    }

    private static List<String> dsnRecipients(CustomerMx site) {
        return site.deliveries().stream().flatMap(delivery -> delivery.dsnRecipients().stream()).collect(Collectors.toList());
    }
}
