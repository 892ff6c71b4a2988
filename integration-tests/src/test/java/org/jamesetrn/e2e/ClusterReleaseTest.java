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
import org.jamesetrn.kit.ClusterConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 14, cluster-wide release: two James servers on one Cassandra hold mail in James's Cassandra mail repository;
 * an ETRN on either releases the node's mail held through both, and its reply counts the cluster's held mail.
 */
@ExtendWith(ClusterExtension.class)
class ClusterReleaseTest {
    @Test
    void mailHeldThroughOneServerIsReleasedByEtrnOnTheOtherAndTheReplyCountsTheCluster(Cluster cluster) throws Exception {
        cluster.mx.start();
        List<String> throughA = cluster.a.send(ClusterServer.NODE, 3);
        List<String> throughB = cluster.b.send(ClusterServer.NODE, 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.b.held(ClusterServer.NODE) == 5);
        assertThat(cluster.a.held(ClusterServer.NODE)).as("A sees the same hold").isEqualTo(5);
        // Both servers' WebAdmin show the cluster's figures for the node.
        for (ClusterServer server : cluster.servers()) {
            HttpResponse<String> figures = server.webAdmin().get("/etrn/" + ClusterServer.NODE);
            assertThat(figures.body()).as("GET /etrn on %s", server.name())
                .startsWith("{\"node\":\"" + ClusterServer.NODE + "\",\"mails\":5,")
                .contains("\"kind\":\"hold\",\"source\":\"" + ClusterConf.HOLD_ROOT + ClusterServer.NODE + "\",\"mails\":5");
        }
        assertThat(cluster.mx.connections()).as("held mail is never tried before ETRN").isZero();

        assertThat(ReplyAssertions.count(cluster.b.etrn(ClusterServer.NODE))).as("the cluster's held mail").isEqualTo(5);

        await().atMost(Duration.ofSeconds(20)).until(() -> cluster.mx.deliveryCount() >= 5
            && cluster.a.held(ClusterServer.NODE) == 0);
        assertThat(cluster.mx.messageIds()).as("each held mail exactly once")
            .containsExactlyInAnyOrderElementsOf(Mails.concat(throughA, throughB));
        for (ClusterServer server : cluster.servers()) {
            assertThat(server.etrn(ClusterServer.NODE).code()).as("nothing left, on %s", server.name()).isEqualTo(251);
        }
    }

    @Test
    void aDomainFirstHeldThroughOneServerAfterTheOtherStartedIsReleasedByTheOther(Cluster cluster) throws Exception {
        cluster.mx.start();
        // late.test is held by no test but this one: its repository does not exist until A writes it, long after B
        // started and listed the hold's domains.
        assertThat(cluster.b.webAdmin().get("/mailRepositories").body()).doesNotContain(ClusterServer.LATE_NODE);
        List<String> held = cluster.a.send(ClusterServer.LATE_NODE, 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.a.held(ClusterServer.LATE_NODE) == 2);

        assertThat(ReplyAssertions.count(cluster.b.etrn(ClusterServer.LATE_NODE))).isEqualTo(2);

        await().atMost(Duration.ofSeconds(20)).until(() -> cluster.mx.deliveryCount() >= 2
            && cluster.b.held(ClusterServer.LATE_NODE) == 0);
        assertThat(cluster.mx.messageIds()).containsExactlyInAnyOrderElementsOf(held);
    }
}
