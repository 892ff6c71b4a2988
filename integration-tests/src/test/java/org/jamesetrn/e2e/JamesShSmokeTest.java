package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.kit.Conf;
import org.jamesetrn.kit.EtrnExtension;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.Repository;
import org.jamesetrn.kit.ServerProcess;
import org.jamesetrn.kit.SmtpClient;
import org.jamesetrn.kit.Trees;
import org.jamesetrn.kit.WebAdmin;
import org.junit.jupiter.api.Test;

/**
 * Scenario 8: README command 1. The assembled server, started by ./james.sh as a separate process with the
 * repository's conf/ unchanged, advertises ETRN and answers it (the stock memory server, {@code --queue memory}); with
 * no option it is the persistent server, which keeps queued mail across a restart on the same ports.
 */
class JamesShSmokeTest {
    /** The gateway of customer.test's route in the shipped conf/mailetcontainer.xml. */
    private static final int SHIPPED_GATEWAY_PORT = 2526;

    /** ./james.sh with these options, on these ports, its output in integration-tests/target. */
    private static ServerProcess jamesSh(Repository repository, int smtpPort, int webAdminPort, String... options) {
        List<String> command = new ArrayList<>(List.of("./james.sh", "--no-build",
            "--smtp", "127.0.0.1:" + smtpPort, "--webadmin", "127.0.0.1:" + webAdminPort,
            "--odmr", "127.0.0.1:" + Ports.free()));
        command.addAll(List.of(options));
        return new ServerProcess(command, repository.root(),
            repository.root().resolve("integration-tests/target/james-sh-" + smtpPort + ".log"));
    }

    /** Starts it (again) and waits until SMTP and WebAdmin listen (James binds SMTP first). */
    private static void startAndAwait(ServerProcess james, int smtpPort, int webAdminPort) throws Exception {
        james.start();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
            .until(() -> (Ports.listening(smtpPort) && Ports.listening(webAdminPort)) || !james.isAlive());
        assertThat(james.isAlive()).as("james.sh is running (log: %s)", james.log()).isTrue();
    }
    /** WebAdmin GET /mailQueues: a JSON array of the queue names. */
    private static List<String> queueNames(WebAdmin webAdmin) throws Exception {
        HttpResponse<String> response = webAdmin.get("/mailQueues");
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        Matcher name = Pattern.compile("\"([^\"]+)\"").matcher(response.body());
        while (name.find()) {
            names.add(name.group(1));
        }
        return names;
    }

    @Test
    void jamesShServesEtrn() throws Exception {
        int smtpPort = Ports.free();
        int webAdminPort = Ports.free();
        Repository repository = Repository.underTest();
        ServerProcess james = jamesSh(repository, smtpPort, webAdminPort, "--queue", "memory");
        WebAdmin webAdmin = new WebAdmin(webAdminPort, Duration.ofSeconds(60));
        try {
            startAndAwait(james, smtpPort, webAdminPort);

            try (SmtpClient client = SmtpClient.connect(smtpPort)) {
                assertThat(client.greeting().code()).isEqualTo(220);
                assertThat(client.ehlo().lines()).anyMatch(line -> line.substring(4).trim().equalsIgnoreCase("ETRN"));
                // conf/ serves @customer.test to clients allowed to relay (127.0.0.0/8): a start reply, or 459 if
                // an admin's conf refuses it; never a syntax error, a 458 or a broken session.
                int code = client.etrn("customer.test").code();
                assertThat(code == 459 || (code >= 250 && code <= 253)).as("ETRN reply %s", code).isTrue();
                assertThat(client.command("NOOP").code()).isEqualTo(250);
            }
            // Every queue etrn.properties names is a queue the RemoteDelivery mailets of mailetcontainer.xml use.
            // (Listing queue names is harmless; listing a memory queue's mails would empty it.)
            assertThat(queueNames(webAdmin))
                .as("queues of conf/etrn.properties, each the <outgoing> of a RemoteDelivery mailet in mailetcontainer.xml")
                .containsAll(Conf.at(repository.conf()).listProperty(EtrnExtension.ENGINE_PROPERTIES, "release.queues"));
            // conf/webadmin.properties loads the operator's ETRN route from the etrn-mailet jar.
            HttpResponse<String> release = webAdmin.post("/etrn/%40customer.test");
            assertThat(release.statusCode()).as("POST /etrn/@customer.test: %s", release.body()).isEqualTo(200);
            assertThat(release.body()).startsWith("{\"node\":\"@customer.test\",\"released\":");
        } finally {
            james.stop(Duration.ofSeconds(60));
            Trees.delete(repository.root().resolve("james-server/target/instance-" + smtpPort));
        }
        assertThat(james.isAlive()).as("stopped by SIGTERM").isFalse();
    }

    @Test
    void jamesShWithNoOptionIsThePersistentServerAndKeepsQueuedMailAcrossARestart() throws Exception {
        assumeFalse(Ports.listening(SHIPPED_GATEWAY_PORT),
            "something listens on 127.0.0.1:" + SHIPPED_GATEWAY_PORT + ", the shipped route of customer.test: mail would leave");
        int smtpPort = Ports.free();
        int webAdminPort = Ports.free();
        Repository repository = Repository.underTest();
        ServerProcess james = jamesSh(repository, smtpPort, webAdminPort);
        WebAdmin webAdmin = new WebAdmin(webAdminPort, Duration.ofSeconds(60));
        try {
            long logStart = james.logLength();
            startAndAwait(james, smtpPort, webAdminPort);
            // The extension's start-up step ran on James's ActiveMQ queue (EtrnStartup, conf/extensions.properties).
            await().atMost(Duration.ofSeconds(60))
                .until(() -> james.logSince(logStart).contains("Queue outgoing-smarthost: ActiveMQ pages in up to 200000 messages"));

            Mails.send(smtpPort, "customer.test", 1);
            // RemoteDelivery tries once (nothing listens on the gateway) and defers it by the shipped first delay, 1 hour.
            await().atMost(Duration.ofSeconds(60)).until(() -> queueSize(webAdmin) == 1 && deferred(queued(webAdmin)));
            String before = queued(webAdmin);

            assertThat(james.stop(Duration.ofSeconds(60))).as("stopped by SIGTERM").isTrue();
            startAndAwait(james, smtpPort, webAdminPort);

            assertThat(queueSize(webAdmin)).isEqualTo(1);
            assertThat(queued(webAdmin)).isEqualTo(before);
        } finally {
            james.stop(Duration.ofSeconds(60));
            Trees.delete(repository.root().resolve("james-server/target/instance-" + smtpPort));
        }
    }

    /** WebAdmin's own listing of the smarthost queue (harmless on ActiveMQ: it browses). */
    private static String queued(WebAdmin webAdmin) throws Exception {
        return webAdmin.get("/mailQueues/" + EtrnRelay.SMARTHOST_QUEUE + "/mails").body();
    }

    /** Whether the listing's next delivery is later than {@link Mails#DEFERRED} from now. */
    private static boolean deferred(String listing) {
        Matcher next = Pattern.compile("\"nextDelivery\":\"([^\"]+)\"").matcher(listing);
        return next.find() && Instant.parse(next.group(1)).isAfter(Instant.now().plus(Mails.DEFERRED));
    }

    private static long queueSize(WebAdmin webAdmin) throws Exception {
        Matcher size = Pattern.compile("\"size\":(\\d+)").matcher(webAdmin.get("/mailQueues/" + EtrnRelay.SMARTHOST_QUEUE).body());
        return size.find() ? Long.parseLong(size.group(1)) : -1;
    }
}
