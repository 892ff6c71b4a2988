package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.jamesetrn.e2e.fixture.Cluster;
import org.jamesetrn.e2e.fixture.HealthChecks;
import org.jamesetrn.e2e.fixture.ClusterExtension;
import org.jamesetrn.e2e.fixture.ClusterServer;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 14, faults: Cassandra unreachable (stopped). ETRN answers 458 4.3.0 on both servers, WebAdmin's figures 503;
 * mail arriving meanwhile gets 451 4.x: the cluster keeps a mail's contents in Cassandra before its 250 (issue 18),
 * so that an acknowledged mail is never one that only a dying server had. Once Cassandra is back the servers
 * reconnect by themselves, the sender's retry is accepted and held, and one ETRN delivers everything, each mail once.
 */
@ExtendWith(ClusterExtension.class)
class CassandraOutageTest {
    private static final Logger LOGGER = LoggerFactory.getLogger(CassandraOutageTest.class);

    @Test
    void etrnAnswers458WhileCassandraIsDownAndNothingIsLost(Cluster cluster) throws Exception {
        List<String> before = cluster.a.send(ClusterServer.NODE, 3);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.b.held(ClusterServer.NODE) == 3);

        cluster.cassandra.stop();
        for (ClusterServer server : cluster.servers()) {
            SmtpClient.Reply reply = server.etrn(ClusterServer.NODE);
            assertThat(reply.code()).as("ETRN on %s while Cassandra is down: %s", server.name(), reply).isEqualTo(458);
            assertThat(reply.text()).startsWith("4.3.0 Unable to queue messages for node " + ClusterServer.NODE);
            HttpResponse<String> figures = server.webAdmin().get("/etrn/" + ClusterServer.NODE);
            assertThat(figures.statusCode()).as("GET /etrn on %s: %s", server.name(), figures.body()).isEqualTo(503);
            // James's own /healthcheck says why: the hold's store and its claims, both in Cassandra.
            HttpResponse<String> health = server.webAdmin().get("/healthcheck");
            assertThat(health.statusCode()).as("/healthcheck on %s: %s", server.name(), health.body()).isEqualTo(503);
            JsonNode hold = HealthChecks.check(HealthChecks.json(health), "ETRN hold");
            assertThat(hold.get("status").asText()).isEqualTo("unhealthy");
            assertThat(hold.get("cause").asText()).contains("hold store: ").contains("claims: ");
        }
        try (SmtpClient client = cluster.a.connect()) {
            SmtpClient.Reply refused = client.send(EtrnRelay.SENDER, List.of("during@" + ClusterServer.NODE), "<during@e2e.test>");
            assertThat(refused.code()).as("a mail while Cassandra is down: %s", refused).isEqualTo(451);
            assertThat(refused.text()).startsWith("4.");
        }

        long restarted = System.nanoTime();
        cluster.cassandra.start();
        // The sender tries again, as an MTA does after a 4xx, until the server has reconnected and takes the mails.
        List<String> during = new ArrayList<>();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
            .until(() -> {
                during.addAll(cluster.a.send(ClusterServer.NODE, 1));
                return during.size() == 2;
            });
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
            .until(() -> cluster.b.held(ClusterServer.NODE) == 5);
        LOGGER.info("Cassandra restarted in {} ms; the 2 mails refused during the outage were accepted and held {} s after"
            + " the restart", cluster.cassandra.lastStart().toMillis(), Duration.ofNanos(System.nanoTime() - restarted).toSeconds());

        cluster.mx.start();
        assertThat(ReplyAssertions.count(cluster.b.etrn(ClusterServer.NODE))).isEqualTo(5);
        ClusterExactlyOnceTest.awaitEverythingDelivered(cluster, ClusterServer.NODE, 5);
        assertThat(cluster.mx.messageIds()).as("each mail exactly once, none lost")
            .containsExactlyInAnyOrderElementsOf(Mails.concat(before, during));
    }

    /**
     * Issue 17, case 3, on the cluster: the site accepts a released mail (the probe) while Cassandra is down. Recording
     * "delivered" fails and is tried again until Cassandra is back; meanwhile and afterwards, past the claim timeout
     * and through ETRNs on both servers, the mail is never released again: each held mail reaches the site once.
     */
    @Test
    void aMailTheSiteAcceptsWhileCassandraIsDownIsRecordedWhenItIsBackAndNeverSentAgain(Cluster cluster) throws Exception {
        List<String> held = cluster.a.send(ClusterServer.NODE, 3);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.b.held(ClusterServer.NODE) == 3);
        long[] logs = {cluster.a.logLength(), cluster.b.logLength()};

        cluster.mx.stallBeforeAcceptingFirstCopy(Duration.ofSeconds(5)).start();
        assertThat(ReplyAssertions.count(cluster.a.etrn(ClusterServer.NODE))).isEqualTo(3);
        await().atMost(Duration.ofSeconds(60)).until(() -> cluster.mx.stallsStarted() >= 1);
        cluster.cassandra.stop();
        await().atMost(Duration.ofSeconds(60)).until(() -> cluster.mx.distinctMessageIds() >= 1);
        // The server that delivered it says it could not store the outcome and will try again.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
            (cluster.a.logSince(logs[0]) + cluster.b.logSince(logs[1])).contains("the outcome cannot be stored now"));
        cluster.cassandra.start();

        // The rest follows the probe's verdict once it is stored, or the next ETRN.
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(3)).ignoreExceptions().until(() -> {
            cluster.b.etrn(ClusterServer.NODE);
            return cluster.mx.distinctMessageIds() >= 3 && cluster.b.held(ClusterServer.NODE) == 0;
        });
        // Past the claim timeout, ETRNs on both servers find nothing and nothing arrives again.
        await().during(Duration.ofSeconds(ClusterServer.CLAIM_TIMEOUT_SECONDS + 5))
            .atMost(Duration.ofSeconds(ClusterServer.CLAIM_TIMEOUT_SECONDS + 30)).pollInterval(Duration.ofSeconds(3))
            .until(() -> {
                cluster.a.etrn(ClusterServer.NODE);
                cluster.b.etrn(ClusterServer.NODE);
                return cluster.mx.deliveryCount() == 3;
            });
        assertThat(cluster.b.etrn(ClusterServer.NODE).code()).isEqualTo(251);
        assertThat(cluster.mx.messageIds()).as("each held mail once").containsExactlyInAnyOrderElementsOf(held);
    }
}
