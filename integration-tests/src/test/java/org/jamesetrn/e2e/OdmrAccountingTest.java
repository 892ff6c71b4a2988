package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.OdmrCustomer;
import org.jamesetrn.kit.ProbeRoutes;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 19: ATRN delivers from the hold with the hold's per-recipient accounting. A customer (the kit's
 * {@link OdmrCustomer}) answers 452 to some recipients and 550 to others: delivered recipients leave the hold, those
 * refused for now stay held, those refused for good get a DSN (to sender.test, whose MX is the customer MX). A
 * customer that drops the connection after half the mails gets the rest on its next ATRN, none twice.
 */
@ExtendWith(RelayExtension.class)
class OdmrAccountingTest {
    private static final String DOMAIN = EtrnRelay.ODMR_DOMAIN;

    private static OdmrCustomer customer(EtrnRelay relay) {
        return OdmrCustomer.of(relay.odmrPort(), EtrnRelay.ODMR_CUSTOMER, EtrnRelay.ODMR_SECRET)
            .timeout(Duration.ofSeconds(30))
            .answerRecipients(recipient -> recipient.startsWith("full") ? "452 4.2.2 Mailbox full, try later"
                : recipient.startsWith("unknown") ? "550 5.1.1 No such user here" : null);
    }

    @Test
    void deliveredLeaveRefusedForNowStayRefusedForGoodGetADsn(EtrnRelay relay, CustomerMx mx) throws Exception {
        mx.start();
        try (SmtpClient client = relay.connect()) {
            assertThat(client.send(EtrnRelay.SENDER, List.of("ok@" + DOMAIN, "full@" + DOMAIN, "unknown@" + DOMAIN),
                "<mixed@e2e.test>").code()).isEqualTo(250);
            assertThat(client.send(EtrnRelay.SENDER, List.of("full-too@" + DOMAIN), "<later@e2e.test>").code()).isEqualTo(250);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount(DOMAIN) == 2);

        OdmrCustomer.Session session = customer(relay).atrn(DOMAIN);

        assertThat(session.atrnCode()).as("%s", session).isEqualTo(250);
        assertThat(session.end()).isEqualTo("QUIT");
        assertThat(session.deliveries()).singleElement().satisfies(delivery -> {
            assertThat(delivery.messageId()).isEqualTo("<mixed@e2e.test>");
            assertThat(delivery.recipients()).containsExactly("ok@" + DOMAIN);
        });
        // Refused for now: held still, for those recipients only (the turn ended every attempt before its QUIT; the
        // entries are read once counted, never while the hold may be writing them).
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount(DOMAIN) == 2);
        assertThat(relay.held(DOMAIN)).flatExtracting(ProbeRoutes.Held::recipients)
            .containsExactlyInAnyOrder("full@" + DOMAIN, "full-too@" + DOMAIN);
        // Refused for good: a DSN to the sender, naming the customer's reply.
        await().atMost(Duration.ofSeconds(30)).until(() -> mx.messageIdsFor("sender.test").size() == 1);
        CustomerMx.Delivery dsn = mx.deliveries().stream()
            .filter(delivery -> delivery.recipients().contains(EtrnRelay.SENDER)).findFirst().orElseThrow();
        assertThat(dsn.dsnAction()).contains("failed");
        assertThat(dsn.originalMessageId()).contains("<mixed@e2e.test>");

        OdmrCustomer.Session again = OdmrCustomer.of(relay.odmrPort(), EtrnRelay.ODMR_CUSTOMER, EtrnRelay.ODMR_SECRET).atrn();
        assertThat(again.deliveries()).extracting(CustomerMx.Delivery::recipients)
            .containsExactlyInAnyOrder(List.of("full@" + DOMAIN), List.of("full-too@" + DOMAIN));
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount() == 0);
        assertThat(mx.messageIdsFor("sender.test")).as("one DSN only").hasSize(1);
    }

    @ParameterizedTest(name = "pipelining offered: {0}")
    @ValueSource(booleans = {true, false})
    void aCustomerThatDropsAfterHalfTheMailsGetsTheRestOnTheNextAtrnNoneTwice(boolean pipelining, EtrnRelay relay)
        throws Exception {
        List<String> held = Mails.send(relay, DOMAIN, 6);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount(DOMAIN) == 6);

        OdmrCustomer.Session first = customer(relay).pipelining(pipelining).dropAfter(3).atrn();

        assertThat(first.deliveries()).as("%s", first).hasSize(3);
        assertThat(first.end()).isEqualTo("dropped after 3 messages");
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount(DOMAIN) == 3);
        assertThat(relay.heldMessageIds(DOMAIN)).doesNotContainAnyElementsOf(first.messageIds());

        OdmrCustomer.Session second = customer(relay).pipelining(pipelining).atrn();

        assertThat(second.end()).isEqualTo("QUIT");
        List<String> all = new ArrayList<>(first.messageIds());
        all.addAll(second.messageIds());
        assertThat(all).containsExactlyInAnyOrderElementsOf(held);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount() == 0);
        assertThat(customer(relay).atrn().atrnReply()).contains("453 4.2.0 You have no mail");
    }
}
