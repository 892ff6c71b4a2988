package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Fence;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 3, session state over a socket: ETRN before HELO/EHLO and inside a mail transaction gets 503 and moves
 * nothing; once the transaction ends (RSET, or the end of DATA) ETRN works on the same session.
 */
@ExtendWith(RelayExtension.class)
class BadSequenceTest {
    @Test
    void etrnBeforeHeloAndInsideATransactionGets503ThenWorksAfterRset(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> held = Mails.deferred(relay, "customer.test", 2);
        mx.start();

        try (SmtpClient client = SmtpClient.connect(relay.smtpPort())) {
            assertBadSequence(client.etrn("customer.test"), "Need HELO or EHLO before ETRN");
            assertThat(client.command("NOOP").code()).isEqualTo(250);

            assertThat(client.command("HELO client.test").code()).isEqualTo(250);
            assertThat(client.command("MAIL FROM:<" + EtrnRelay.SENDER + ">").code()).isEqualTo(250);
            assertBadSequence(client.etrn("customer.test"), "ETRN not allowed inside a mail transaction");
            assertThat(client.command("RCPT TO:<someone@other.test>").code()).isEqualTo(250);
            assertBadSequence(client.etrn("customer.test"), "ETRN not allowed inside a mail transaction");
            assertThat(client.command("RSET").code()).isEqualTo(250);

            // Nothing moved: fresh mail through both queues arrives, the held mail does not.
            Fence.assertHeld(relay, mx, held);

            // After RSET, the same session releases the held mail.
            assertThat(ReplyAssertions.count(client.etrn("customer.test"))).isEqualTo(2);
            await().atMost(Duration.ofSeconds(2)).until(() -> mx.messageIds().containsAll(held));

            // The end of DATA ends the transaction too.
            String id = UUID.randomUUID().toString();
            assertThat(client.send(EtrnRelay.SENDER, List.of(id + "@other.test"), "<" + id + "@e2e.test>").code())
                .isEqualTo(250);
            ReplyAssertions.assertStarted(client.etrn("customer.test"));
        }
    }

    private static void assertBadSequence(SmtpClient.Reply reply, String text) {
        assertThat(reply.code()).as("%s", reply).isEqualTo(503);
        assertThat(reply.text()).as("%s", reply).isEqualTo("5.5.1 " + text);
    }
}
