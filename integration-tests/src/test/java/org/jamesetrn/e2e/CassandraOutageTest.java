package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.jamesetrn.e2e.fixture.Cluster;
import org.jamesetrn.e2e.fixture.ClusterExtension;
import org.jamesetrn.e2e.fixture.ClusterServer;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 14, faults: Cassandra unreachable (stopped). ETRN answers 458 4.3.0 on both servers, WebAdmin's figures 503;
 * mail accepted meanwhile waits in the accepting server's spool (HoldForEtrn tries it again every few seconds). Once
 * Cassandra is back the servers reconnect by themselves, the waiting mail is held, and one ETRN delivers everything,
 * each mail once.
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
        }
        List<String> during = cluster.a.send(ClusterServer.NODE, 2);

        long restarted = System.nanoTime();
        cluster.cassandra.start();
        // Until the driver has reconnected, WebAdmin answers 500: not yet.
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
            .until(() -> cluster.b.held(ClusterServer.NODE) == 5);
        LOGGER.info("Cassandra restarted in {} ms; the 2 mails accepted during the outage were held {} s after the restart",
            cluster.cassandra.lastStart().toMillis(), Duration.ofNanos(System.nanoTime() - restarted).toSeconds());

        cluster.mx.start();
        assertThat(ReplyAssertions.count(cluster.b.etrn(ClusterServer.NODE))).isEqualTo(5);
        ClusterExactlyOnceTest.awaitEverythingDelivered(cluster, ClusterServer.NODE, 5);
        assertThat(cluster.mx.messageIds()).as("each mail exactly once, none lost")
            .containsExactlyInAnyOrderElementsOf(Mails.concat(before, during));
    }
}
