package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.jamesetrn.e2e.fixture.ClusterExtension;
import org.jamesetrn.e2e.fixture.ClusterServer;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.kit.CassandraNode;
import org.jamesetrn.kit.ClusterConf;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.RabbitMQNode;
import org.jamesetrn.kit.Repository;
import org.jamesetrn.kit.ServerProcess;
import org.jamesetrn.kit.SmtpClient;
import org.jamesetrn.kit.Trees;
import org.jamesetrn.kit.WebAdmin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README's cluster command: {@code ./james.sh --cluster --cassandra HOST:PORT --rabbitmq HOST:PORT} as a separate
 * process, on the test run's Cassandra and RabbitMQ, with the repository's conf/ and conf/cluster unchanged. Mail for held.test is held in the
 * {@code cassandra://} hold (WebAdmin's figures and repositories), ETRN reads it there, and the server stops on SIGTERM.
 */
@ExtendWith(ClusterExtension.class)
class JamesShClusterSmokeTest {
    @Test
    void jamesShClusterServesEtrnFromTheHoldInCassandra(CassandraNode cassandra, RabbitMQNode rabbitMQ) throws Exception {
        int smtpPort = Ports.free();
        int webAdminPort = Ports.free();
        Repository repository = Repository.underTest();
        ServerProcess james = new ServerProcess(List.of("./james.sh", "--no-build", "--cluster",
            "--cassandra", "127.0.0.1:" + cassandra.cqlPort(),
            "--rabbitmq", "127.0.0.1:" + rabbitMQ.port(),
            "--rabbitmq-management", "127.0.0.1:" + rabbitMQ.managementPort(),
            "--smtp", "127.0.0.1:" + smtpPort, "--webadmin", "127.0.0.1:" + webAdminPort, "--odmr", "127.0.0.1:" + Ports.free()),
            repository.root(), repository.root().resolve("integration-tests/target/james-sh-cluster-" + smtpPort + ".log"))
            .killOnExit()
            .start();
        WebAdmin webAdmin = new WebAdmin(webAdminPort, Duration.ofSeconds(60));
        try {
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250))
                .until(() -> (Ports.listening(smtpPort) && Ports.listening(webAdminPort)) || !james.isAlive());
            assertThat(james.isAlive()).as("james.sh --cluster is running (log: %s)", james.log()).isTrue();

            Mails.send(smtpPort, ClusterServer.NODE, 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> webAdmin.get("/etrn/" + ClusterServer.NODE).body()
                .contains("\"kind\":\"hold\",\"source\":\"" + ClusterConf.HOLD_ROOT + ClusterServer.NODE + "\",\"mails\":1"));
            HttpResponse<String> repositories = webAdmin.get("/mailRepositories");
            assertThat(repositories.body()).contains("var/mail/etrn-hold/" + ClusterServer.NODE);
            // Emptied through James's own route (the shipped conf would deliver held.test to 127.0.0.1:2526, which is
            // not this test's): then the ETRN finds nothing held in Cassandra.
            assertThat(webAdmin.delete("/mailRepositories/" + ClusterServer.encodedPath(ClusterConf.HOLD_ROOT, ClusterServer.NODE)
                + "/mails").statusCode()).as("a James task clears the repository").isEqualTo(201);
            await().atMost(Duration.ofSeconds(30)).until(() -> webAdmin.get("/etrn/" + ClusterServer.NODE).body()
                .startsWith("{\"node\":\"" + ClusterServer.NODE + "\",\"mails\":0,"));
            try (SmtpClient client = SmtpClient.connect(smtpPort)) {
                assertThat(client.ehlo().lines()).anyMatch(line -> line.substring(4).trim().equalsIgnoreCase("ETRN"));
                assertThat(client.etrn(ClusterServer.NODE).code()).isEqualTo(251);
            }
        } finally {
            james.stop(Duration.ofSeconds(60));
            Trees.delete(repository.root().resolve("james-server/target/instance-" + smtpPort));
        }
        assertThat(james.isAlive()).as("stopped by SIGTERM").isFalse();
    }
}
