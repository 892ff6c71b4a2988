package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RealClient;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.kit.CustomerMx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Real ETRN clients, as customer sites run them: msmtp --rmqs and fetchmail -p ETRN. */
@ExtendWith(RelayExtension.class)
class RealClientsTest {
    @TempDir
    Path home;

    @Test
    void msmtpRmqsDomain(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> deferred = Mails.deferred(relay, "customer.test", 2);
        List<String> sub = Mails.deferred(relay, "sub.customer.test", 1);
        mx.start();

        RealClient.Run msmtp = RealClient.run(home, "msmtp", "--file=/dev/null",
            "--host=127.0.0.1", "--port=" + relay.smtpPort(), "--rmqs=customer.test");

        assertThat(msmtp.exitCode).as("msmtp %s", msmtp).isZero();
        await().atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(mx.messageIds()).containsExactlyInAnyOrderElementsOf(deferred));
        assertThat(Mails.deferredIds(relay)).containsExactlyElementsOf(sub);
    }

    @Test
    void msmtpRmqsAtDomain(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> deferred = Mails.concat(
            Mails.deferred(relay, "customer.test", 1), Mails.deferred(relay, "sub.customer.test", 2));
        mx.start();

        RealClient.Run msmtp = RealClient.run(home, "msmtp", "--file=/dev/null",
            "--host=127.0.0.1", "--port=" + relay.smtpPort(), "--rmqs=@customer.test");

        assertThat(msmtp.exitCode).as("msmtp %s", msmtp).isZero();
        await().atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(mx.messageIds()).containsExactlyInAnyOrderElementsOf(deferred));
    }

    @Test
    void msmtpFailsOnRefusal(EtrnRelay relay) throws Exception {
        RealClient.Run msmtp = RealClient.run(home, "msmtp", "--file=/dev/null",
            "--host=127.0.0.1", "--port=" + relay.smtpPort(), "--rmqs=unlisted.test");

        assertThat(msmtp.exitCode).as("msmtp %s", msmtp).isNotZero();
        assertThat(msmtp.output).contains("459");
    }

    @Test
    void fetchmailEtrn(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> deferred = Mails.deferred(relay, "customer.test", 3);
        mx.start();

        // fetchmail exits 0 for 250-253 (also 251 "nothing waiting") and non-zero for 458/459: the reply line says
        // which one it got.
        RealClient.Run fetchmail = RealClient.run(home, "fetchmail", "-f", "/dev/null", "-v",
            "-p", "ETRN", "-P", String.valueOf(relay.smtpPort()), "--fetchdomains", "customer.test", "127.0.0.1");

        assertThat(fetchmail.exitCode).as("fetchmail %s", fetchmail).isZero();
        assertThat(fetchmail.output).as("fetchmail %s", fetchmail)
            .containsPattern("ETRN< 253 \\S+ OK, 3 pending messages for node customer.test started");
        await().atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(mx.messageIds()).containsExactlyInAnyOrderElementsOf(deferred));
    }
}
