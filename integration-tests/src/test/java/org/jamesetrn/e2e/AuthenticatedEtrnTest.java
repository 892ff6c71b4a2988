package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 3, permission by SMTP AUTH: a client outside the relay's networks is refused until it authenticates as a
 * James user ({@code <allowAuthenticatedUsers>true</allowAuthenticatedUsers>}); then its ETRN releases the mail.
 * conf/ keeps {@code <auth><announce>never</announce>}: James 3.8.1 does not advertise AUTH in EHLO then, but its
 * AUTH command still accepts PLAIN (and LOGIN) when {@code plainAuthEnabled} is true, so no override is needed.
 */
@ExtendWith(RelayExtension.class)
class AuthenticatedEtrnTest {
    // conf/ has no usersrepository.xml: the memory server then runs without virtual hosting, users have no domain.
    private static final String USER = "etrnsite";
    private static final String PASSWORD = "s3cret-etrn";

    @Test
    void anOutsideClientIsRefusedUntilItAuthenticatesThenItsEtrnDelivers(EtrnRelay relay, CustomerMx mx) throws Exception {
        relay.addUser(USER, PASSWORD);
        List<String> held = Mails.deferred(relay, "customer.test", 2);
        mx.start();

        try (SmtpClient site = SmtpClient.to(relay.smtpPort()).from(EtrnRelay.OUTSIDE_CLIENT).connect()) {
            assertThat(site.ehlo().lines()).as("AUTH not announced").noneMatch(line -> line.contains("AUTH"));
            ReplyAssertions.assertRefused(site.etrn("customer.test"));
            assertThat(site.command("AUTH PLAIN " + plain(USER, "wrong")).code()).as("wrong password").isEqualTo(535);
            ReplyAssertions.assertRefused(site.etrn("customer.test"));

            assertThat(site.command("AUTH PLAIN " + plain(USER, PASSWORD)).code()).isEqualTo(235);
            assertThat(ReplyAssertions.count(site.etrn("customer.test"))).isEqualTo(2);
        }
        await().atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(mx.messageIdsFor("customer.test")).containsExactlyInAnyOrderElementsOf(held));
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }
}
