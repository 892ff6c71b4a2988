package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RealClient;
import org.jamesetrn.e2e.fixture.RelayAndMx;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 with a real ODMR customer: Debian's fetchmail in ODMR mode ({@code proto ODMR}, CRAM-MD5) against the
 * relay's ODMR listener, relaying the turnaround to its {@code smtphost}, the customer MX. The rc file is what
 * docs/odmr.md tells a fetchmail user to write.
 */
@ExtendWith(RelayExtension.class)
class OdmrFetchmailTest {
    @TempDir
    Path home;

    /** The rc file of docs/odmr.md, mode 600 (fetchmail refuses a file others may read: it holds the secret). */
    private Path rc(EtrnRelay relay, CustomerMx mx, String secret, String domains) throws Exception {
        Path rc = home.resolve("fetchmailrc");
        Files.writeString(rc, "poll 127.0.0.1 protocol ODMR service " + relay.odmrPort() + "\n"
            + "    user \"" + EtrnRelay.ODMR_CUSTOMER + "\" password \"" + secret + "\"\n"
            + "    fetchdomains " + domains + "\n"
            + "    smtphost 127.0.0.1/" + mx.port() + "\n", StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------"));
        return rc;
    }

    private RealClient.Run fetchmail(Path rc) throws Exception {
        return RealClient.run(home, "fetchmail", "-f", rc.toString(), "-v", "--nosyslog", "--pidfile",
            home.resolve("fetchmail.pid").toString());
    }

    @Test
    void fetchmailBringsTheHeldMailToItsSmtphostEachMessageIdOnce(EtrnRelay relay, CustomerMx mx) throws Exception {
        mx.start();
        List<String> held = Mails.send(relay, EtrnRelay.ODMR_DOMAIN, 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount(EtrnRelay.ODMR_DOMAIN) == 3);

        RealClient.Run fetchmail = fetchmail(rc(relay, mx, EtrnRelay.ODMR_SECRET, EtrnRelay.ODMR_DOMAIN));

        assertThat(fetchmail.exitCode).as("fetchmail %s", fetchmail).isZero();
        assertThat(fetchmail.output).contains("Turnaround now...");
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount() == 0);
        assertThat(mx.messageIdsFor(EtrnRelay.ODMR_DOMAIN)).containsExactlyInAnyOrderElementsOf(held);
        assertThat(mx.connections()).as("one relayed connection, the turnaround").isEqualTo(1);
    }

    @Test
    void aWrongSecretIsRefusedAndNothingIsSent(EtrnRelay relay, CustomerMx mx) throws Exception {
        mx.start();
        List<String> held = Mails.send(relay, EtrnRelay.ODMR_DOMAIN, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount(EtrnRelay.ODMR_DOMAIN) == 1);

        RealClient.Run fetchmail = fetchmail(rc(relay, mx, "not the secret", EtrnRelay.ODMR_DOMAIN));

        assertThat(fetchmail.exitCode).as("fetchmail %s", fetchmail).isNotZero();
        assertThat(fetchmail.output).contains("535 5.7.8 Authentication credentials invalid");
        assertThat(fetchmail.output).doesNotContain("Turnaround now");
        assertThat(mx.connections()).isZero();
        assertThat(relay.heldMessageIds(EtrnRelay.ODMR_DOMAIN)).containsExactlyElementsOf(held);
    }

    @Test
    void aDomainTheCustomerDoesNotOwnIsRefusedAndNothingIsSent(EtrnRelay relay, CustomerMx mx) throws Exception {
        // parked.test's one attempt fails (the site is down), and the mail is parked in the hold.
        mx.refuse(RelayAndMx.SITE_DOWN).start();
        List<String> held = Mails.send(relay, EtrnRelay.ODMR_DOMAIN, 1);
        List<String> parked = Mails.send(relay, "parked.test", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount(EtrnRelay.ODMR_DOMAIN) == 1
            && relay.heldCount("parked.test") == 1);
        mx.answer();
        mx.forget();

        RealClient.Run fetchmail = fetchmail(rc(relay, mx, EtrnRelay.ODMR_SECRET, EtrnRelay.ODMR_DOMAIN + ",parked.test"));

        assertThat(fetchmail.exitCode).as("fetchmail %s", fetchmail).isNotZero();
        assertThat(fetchmail.output).contains("ATRN request refused.")
            .contains("450 4.7.1 ATRN request refused: parked.test is not yours");
        assertThat(mx.connections()).isZero();
        assertThat(relay.heldMessageIds(EtrnRelay.ODMR_DOMAIN)).containsExactlyElementsOf(held);
        assertThat(relay.heldMessageIds("parked.test")).containsExactlyElementsOf(parked);
    }

    @Test
    void atrnBeforeAuthIs530(EtrnRelay relay) {
        try (SmtpClient customer = SmtpClient.connect(relay.odmrPort())) {
            assertThat(customer.greeting().code()).isEqualTo(220);
            assertThat(customer.ehlo().lines()).contains("250-AUTH CRAM-MD5", "250 ATRN");
            assertThat(customer.command("ATRN " + EtrnRelay.ODMR_DOMAIN).last()).isEqualTo("530 5.7.0 Authentication required");
            assertThat(customer.command("MAIL FROM:<a@b.test>").code()).isEqualTo(502);
        }
    }
}
