package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Fence;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Scenario 4: a client or a node the policy refuses gets 459, and no deferred mail moves. */
@ExtendWith(RelayExtension.class)
class PolicyRefusalTest {
    @Test
    void refusedClientsAndNodesGet459AndNothingMoves(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> held = Mails.concat(
            Mails.deferred(relay, "customer.test", 2),
            Mails.deferred(relay, "unlisted.test", 1),
            Mails.deferred(relay, "guarded.test", 1));
        mx.start();

        // A client outside the relay's networks, asking for a served node.
        try (SmtpClient outsider = SmtpClient.to(relay.smtpPort()).from(EtrnRelay.OUTSIDE_CLIENT).connect()) {
            outsider.ehlo();
            ReplyAssertions.assertRefused(outsider.etrn("customer.test"));
            ReplyAssertions.assertRefused(outsider.etrn("@customer.test"));
            ReplyAssertions.assertRefused(outsider.etrn("#" + EtrnRelay.SMARTHOST_QUEUE));
        }
        // An authorized client, asking for nodes it may not start.
        try (SmtpClient client = relay.connect()) {
            ReplyAssertions.assertRefused(client.etrn("unlisted.test"));
            ReplyAssertions.assertRefused(client.etrn("@test"));
            ReplyAssertions.assertRefused(client.etrn("relay.local"));
            ReplyAssertions.assertRefused(client.etrn("guarded.test"));
            assertThat(client.command("NOOP").code()).as("the session goes on").isEqualTo(250);
        }

        Fence.assertHeld(relay, mx, held);
    }
}
