package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.HoldRace;
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
    private static final String LATER = "452 4.2.1 mailbox busy, try again later";
    private static final String UNKNOWN = "550 5.1.1 no such user";

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
        Random random = new Random(17);
        Map<String, List<String>> mails = new java.util.LinkedHashMap<>();
        Set<String> refusedForNow = new HashSet<>();
        Set<String> refusedForGood = new HashSet<>();
        for (int mail = 0; mail < MAILS; mail++) {
            List<String> recipients = new ArrayList<>();
            for (int recipient = 0, count = 1 + random.nextInt(5); recipient < count; recipient++) {
                String address = "r" + mail + "-" + recipient + "@held.test";
                recipients.add(address);
                int draw = random.nextInt(100);
                if (draw < 2) {
                    refusedForGood.add(address);
                } else if (draw < 35) {
                    refusedForNow.add(address);
                }
            }
            mails.put("<m" + mail + "@e2e.test>", recipients);
        }
        // Down while the mail is held (retryEvery would release it meanwhile), then answering per recipient.
        site.stop();
        site.answerRecipients((address, attempt) -> refusedForGood.contains(address) ? UNKNOWN
            : refusedForNow.contains(address) && attempt <= 2 ? LATER : null);
        try (SmtpClient client = relay.connect()) {
            mails.forEach((messageId, recipients) ->
                assertThat(client.send(EtrnRelay.SENDER, recipients, messageId).code()).isEqualTo(250));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> relay.heldCount("held.test") == MAILS);
        site.start();

        HoldRace race = new HoldRace(relay, site).steadySite().reprocessingEvery(Duration.ofMillis(300));
        race.run(Duration.ofSeconds(8));

        long expected = mails.values().stream().mapToLong(List::size).sum() - refusedForGood.size();
        await().atMost(Duration.ofSeconds(120)).until(() -> relay.heldCount() == 0
            && deliveries().size() >= expected && dsnRecipients().size() >= refusedForGood.size());
        // Late copies or late DSNs would show now: nothing more arrives for three seconds.
        long settled = site.deliveryCount() + senderMx.deliveryCount();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6))
            .until(() -> site.deliveryCount() + senderMx.deliveryCount() == settled);

        LOGGER.info("{} held mails, {} recipients ({} refused for now twice, {} for good), {} ETRN, {} reprocess requests: "
            + "{} messages to the site, {} DSNs", MAILS, expected + refusedForGood.size(), refusedForNow.size(),
            refusedForGood.size(), race.etrns(), race.reprocesses(), site.deliveryCount(), senderMx.deliveryCount());
        Map<String, Long> delivered = deliveries().stream()
            .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        List<String> everyDelivery = mails.entrySet().stream()
            .flatMap(mail -> mail.getValue().stream().filter(address -> !refusedForGood.contains(address))
                .map(address -> mail.getKey() + " " + address))
            .collect(Collectors.toList());
        assertThat(delivered.keySet()).as("every recipient not refused for good has the mail")
            .containsExactlyInAnyOrderElementsOf(everyDelivery);
        assertThat(delivered.entrySet().stream().filter(delivery -> delivery.getValue() != 1).collect(Collectors.toList()))
            .as("delivered more than once").isEmpty();
        assertThat(dsnRecipients()).as("one DSN per recipient refused for good, none for the others")
            .containsExactlyInAnyOrderElementsOf(refusedForGood);
        assertThat(senderMx.deliveries()).allSatisfy(dsn -> assertThat(dsn.dsnAction()).contains("failed"));
    }

    /** "Message-ID recipient", once per delivery of the message to that recipient. */
    private static List<String> deliveries() {
        return site.deliveries().stream()
            .flatMap(delivery -> delivery.recipients().stream().map(address -> delivery.messageId() + " " + address))
            .collect(Collectors.toList());
    }

    private static List<String> dsnRecipients() {
        return senderMx.deliveries().stream().flatMap(dsn -> dsn.dsnRecipients().stream()).collect(Collectors.toList());
    }
}
