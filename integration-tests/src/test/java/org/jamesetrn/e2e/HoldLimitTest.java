package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.Conf;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.SmtpClient;
import org.jamesetrn.kit.TestDns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bounded hold (issue 20): with {@code maxMailsPerNode} 3, a node holding 3 mails takes no more: RCPT TO for it is
 * answered 452 4.2.2 (the sender's server keeps the mail: nothing is lost), {@code GET /etrn/{node}} says it is full,
 * and once the site collected its mail the node takes mail again.
 */
class HoldLimitTest {
    private static CustomerMx site;
    private static EtrnRelay relay;

    @BeforeAll
    static void start() throws Exception {
        site = new CustomerMx(Ports.free()).start(); // listening while the relay picks its ports: none is the site's
        relay = EtrnRelay.start(new TestDns(), site.port(), EtrnRelay.HANDLER_OPTIONS, HoldLimitTest::limited);
        site.stop();
    }

    private static void limited(Conf conf) {
        EtrnRelay.holdOptions(conf, "<maxMailsPerNode>3</maxMailsPerNode>");
    }

    @AfterAll
    static void stop() throws Exception {
        relay.close();
        site.close();
    }

    @Test
    void aNodeAtItsLimitRefusesMoreForNowAtRcptAndTakesMailAgainOnceCollected() throws Exception {
        List<String> held = Mails.send(relay, "held.test", 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("held.test") == 3);

        try (SmtpClient client = relay.connect()) {
            client.command("MAIL FROM:<" + EtrnRelay.SENDER + ">");
            assertThat(client.command("RCPT TO:<fourth@held.test>").last()).startsWith("452 4.2.2");
            assertThat(client.command("RCPT TO:<someone@other.test>").code()).as("other nodes").isEqualTo(250);
        }
        assertThat(relay.webAdmin().get("/etrn/held.test").body()).contains("\"full\":true");

        site.start();
        ReplyAssertions.assertStarted(relay.etrn("held.test"));
        await().atMost(Duration.ofSeconds(15)).until(() -> relay.heldCount() == 0);
        assertThat(site.messageIdsFor("held.test")).containsExactlyInAnyOrderElementsOf(held);

        List<String> fourth = Mails.send(relay, "held.test", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("held.test") == 1);
        assertThat(relay.webAdmin().get("/etrn/held.test").body()).doesNotContain("\"full\"");
        assertThat(fourth).hasSize(1);
    }
}
