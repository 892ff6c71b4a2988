package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A site answers per recipient (issue 17), on the shipped conf: held.test's mail is held, and released by ETRN to the
 * site, which takes some recipients, refuses some for now (452: greylisting, a full mailbox) and some for good (550).
 * Delivered recipients leave the hold, each having the mail once; those refused for now stay held and come with the
 * next release; those refused for good get one DSN each, at the sender's MX (sender.test, the same test MX here).
 */
@ExtendWith(RelayExtension.class)
class HoldPerRecipientTest {
    private static final String LATER = "452 4.2.1 greylisted, try again later";
    private static final String UNKNOWN = "550 5.1.1 no such user";

    /** Failed on main before per-recipient accounting: late@ was deleted, no DSN, and the next ETRN answered 251. */
    @Test
    void aRecipientTheSiteRefusesForNowStaysHeldAndComesWithTheNextRelease(EtrnRelay relay, CustomerMx mx) throws Exception {
        mx.answerRecipient("late@held.test", LATER).start();
        send(relay, "<three@e2e.test>", "first@held.test", "late@held.test", "third@held.test");
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("held.test") == 1);

        assertThat(ReplyAssertions.count(relay.etrn("held.test"))).isEqualTo(1);

        await().atMost(Duration.ofSeconds(15)).until(() -> delivered(mx).size() == 2
            && relay.heldCount("held.test") == 1
            && relay.held("held.test").get(0).recipients().equals(List.of("late@held.test")));
        assertThat(delivered(mx)).containsExactlyInAnyOrder("first@held.test", "third@held.test");

        assertThat(ReplyAssertions.count(relay.etrn("held.test"))).as("still waiting: late@").isEqualTo(1);
        await().atMost(Duration.ofSeconds(15)).until(() -> relay.heldCount() == 0);
        assertThat(delivered(mx)).as("each recipient once").containsExactlyInAnyOrder("first@held.test", "third@held.test",
            "late@held.test");
        assertThat(mx.messageIdsFor("sender.test")).as("no DSN").isEmpty();
        assertThat(relay.etrn("held.test").code()).isEqualTo(251);
    }

    /** Failed on main: the bounced part ended the held mail, and the part refused for now was dropped with it. */
    @Test
    void aMixOfRefusalsForGoodAndForNowGivesOneDsnAndKeepsTheRestHeld(EtrnRelay relay, CustomerMx mx) throws Exception {
        mx.answerRecipient("late@held.test", LATER).refuseRecipient("gone@held.test", UNKNOWN).start();
        send(relay, "<mix@e2e.test>", "first@held.test", "late@held.test", "gone@held.test");
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("held.test") == 1);

        ReplyAssertions.assertStarted(relay.etrn("held.test"));

        await().atMost(Duration.ofSeconds(15)).until(() -> dsns(mx).size() == 1
            && relay.heldCount("held.test") == 1
            && relay.held("held.test").get(0).recipients().equals(List.of("late@held.test")));
        assertThat(dsns(mx)).singleElement().satisfies(dsn -> {
            assertThat(dsn.dsnAction()).contains("failed");
            assertThat(dsn.dsnRecipients()).containsExactly("gone@held.test");
            assertThat(dsn.recipients()).containsExactly(EtrnRelay.SENDER);
        });

        ReplyAssertions.assertStarted(relay.etrn("held.test"));
        await().atMost(Duration.ofSeconds(15)).until(() -> relay.heldCount() == 0);
        assertThat(delivered(mx)).containsExactlyInAnyOrder("first@held.test", "late@held.test");
        assertThat(dsns(mx)).as("one DSN, for gone@ only").hasSize(1);
    }

    /**
     * The site takes some recipients and refuses the rest for good, none for now: James's RemoteDelivery then reports
     * the refusal only (not the delivered recipients). They must still leave the hold: no second copy with the next
     * ETRN (a first build of per-recipient accounting kept them held, and they got the mail twice).
     */
    @Test
    void recipientsDeliveredBesideARefusalForGoodLeaveTheHold(EtrnRelay relay, CustomerMx mx) throws Exception {
        mx.refuseRecipient("gone@held.test", UNKNOWN).start();
        send(relay, "<taken-and-refused@e2e.test>", "first@held.test", "gone@held.test", "third@held.test");
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("held.test") == 1);

        ReplyAssertions.assertStarted(relay.etrn("held.test"));

        await().atMost(Duration.ofSeconds(15)).until(() -> relay.heldCount() == 0 && dsns(mx).size() == 1);
        assertThat(relay.etrn("held.test").code()).isEqualTo(251);
        assertThat(delivered(mx)).containsExactlyInAnyOrder("first@held.test", "third@held.test");
        assertThat(dsns(mx)).singleElement().satisfies(dsn -> assertThat(dsn.dsnRecipients()).containsExactly("gone@held.test"));
    }

    /**
     * Failed on main: RemoteDelivery drops a null-sender mail's refusal without a trace (no DSN is due for a DSN), so
     * the held mail stayed in the hold until its expiry, and stalled the node's probe after every claim timeout.
     */
    @Test
    void aNullSenderMailRefusedForGoodLeavesTheHoldWithoutADsn(EtrnRelay relay, CustomerMx mx) throws Exception {
        mx.refuseRecipient("gone@held.test", UNKNOWN).start();
        try (SmtpClient client = relay.connect()) {
            assertThat(client.send("", List.of("gone@held.test"), "<null-sender@e2e.test>").code()).isEqualTo(250);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("held.test") == 1);

        ReplyAssertions.assertStarted(relay.etrn("held.test"));

        await().atMost(Duration.ofSeconds(15)).until(() -> relay.heldCount() == 0);
        List<String> next = Mails.send(relay, "held.test", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("held.test") == 1);
        ReplyAssertions.assertStarted(relay.etrn("held.test"));
        await().atMost(Duration.ofSeconds(15)).until(() -> mx.messageIdsFor("held.test").equals(next));
        assertThat(mx.messageIdsFor("sender.test")).as("never a DSN for a DSN").isEmpty();
        assertThat(mx.rcptAttempts("gone@held.test")).as("refused once, never tried again").isEqualTo(1);
    }

    static void send(EtrnRelay relay, String messageId, String... recipients) {
        try (SmtpClient client = relay.connect()) {
            assertThat(client.send(EtrnRelay.SENDER, List.of(recipients), messageId).code()).isEqualTo(250);
        }
    }

    /** The held.test recipients the site accepted, one entry per delivery to each. */
    static List<String> delivered(CustomerMx mx) {
        return mx.deliveries().stream()
            .filter(delivery -> delivery.dsnAction().isEmpty())
            .flatMap(delivery -> delivery.recipients().stream())
            .collect(Collectors.toList());
    }

    static List<CustomerMx.Delivery> dsns(CustomerMx mx) {
        return mx.deliveries().stream().filter(delivery -> delivery.dsnAction().isPresent()).collect(Collectors.toList());
    }
}
