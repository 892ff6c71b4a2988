package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.jamesetrn.e2e.fixture.Cluster;
import org.jamesetrn.e2e.fixture.ClusterExtension;
import org.jamesetrn.e2e.fixture.ClusterServer;
import org.jamesetrn.e2e.fixture.HoldRace;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayAndMx;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.ClusterConf;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 14, exactly once across servers: everything that can release a held mail, on both servers at once, and each
 * Message-ID reaches the site's MX once. The claims that decide it are Cassandra lightweight transactions; nothing
 * in one server's memory can see the other's.
 */
@ExtendWith(ClusterExtension.class)
class ClusterExactlyOnceTest {
    private static final Logger LOGGER = LoggerFactory.getLogger(ClusterExactlyOnceTest.class);

    @Test
    void fiftyConcurrentEtrnForOneNodeSplitOverBothServersDeliverEachHeldMailOnce(Cluster cluster) throws Exception {
        int mails = 200;
        List<String> held = Mails.concat(cluster.a.send(ClusterServer.NODE, mails / 2),
            cluster.b.send(ClusterServer.NODE, mails / 2));
        await().atMost(Duration.ofSeconds(60)).until(() -> cluster.a.held(ClusterServer.NODE) == mails);
        cluster.mx.start();

        int clients = 50;
        CyclicBarrier barrier = new CyclicBarrier(clients);
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        List<Future<SmtpClient.Reply>> replies = new ArrayList<>();
        try {
            for (int client = 0; client < clients; client++) {
                ClusterServer server = client % 2 == 0 ? cluster.a : cluster.b;
                replies.add(threads.submit(() -> {
                    try (SmtpClient site = server.connect()) {
                        barrier.await(30, TimeUnit.SECONDS);
                        return site.etrn(ClusterServer.NODE);
                    }
                }));
            }
            for (Future<SmtpClient.Reply> reply : replies) {
                ReplyAssertions.assertStarted(reply.get(60, TimeUnit.SECONDS));
            }
        } finally {
            threads.shutdownNow();
        }

        awaitEverythingDelivered(cluster, ClusterServer.NODE, mails);
        LOGGER.info("{} held mails, {} concurrent ETRN over two servers: {} deliveries", mails, clients,
            cluster.mx.deliveryCount());
        assertThat(cluster.mx.messageIds()).as("each held mail exactly once").containsExactlyInAnyOrderElementsOf(held);
    }

    /**
     * Both servers race on retry.test's hold (retryEvery 1s on each): ETRN clients on both, James's WebAdmin reprocess
     * of the hold repository on both (it claims nothing itself: HoldDelivery does), and a site that flaps between
     * refusing (421) and accepting.
     */
    @Test
    void etrnRetryEveryAndReprocessOnBothServersAgainstAFlappingSiteDeliverEachHeldMailOnce(Cluster cluster) throws Exception {
        int mails = 120;
        Duration raceFor = Duration.ofSeconds(10);
        CustomerMx site = cluster.mx.refuse(RelayAndMx.SITE_DOWN).start();
        List<String> held = Mails.concat(cluster.a.send(ClusterServer.RETRY_NODE, mails / 2),
            cluster.b.send(ClusterServer.RETRY_NODE, mails / 2));
        await().atMost(Duration.ofSeconds(60))
            .until(() -> cluster.a.held(ClusterServer.RETRY_ROOT, ClusterServer.RETRY_NODE) == mails);

        HoldRace race = new HoldRace(site, ClusterServer.RETRY_NODE,
                ClusterServer.encodedPath(ClusterServer.RETRY_ROOT, ClusterServer.RETRY_NODE))
            .flapping(Duration.ofMillis(400), Duration.ofMillis(400))
            .reprocessingEvery(Duration.ofMillis(300));
        for (ClusterServer server : cluster.servers()) {
            race.server(server::etrn, server.webAdmin(), 1);
        }
        race.run(raceFor);

        // The site stays up: retryEvery on both servers delivers whatever is left.
        awaitEverythingDelivered(cluster, ClusterServer.RETRY_NODE, mails);
        LOGGER.info("{} held mails, {} ETRN, {} reprocess requests, retryEvery {} on both servers, {} connections: {} "
            + "deliveries", mails, race.etrns(), race.reprocesses(), ClusterServer.RETRY_EVERY, site.connections(),
            site.deliveryCount());
        assertThat(site.messageIds()).as("each held mail exactly once").containsExactlyInAnyOrderElementsOf(held);
    }

    /**
     * Until the MX has every mail and the hold is empty (read through a server that is up); then late duplicates would
     * show: none for two seconds.
     */
    static void awaitEverythingDelivered(Cluster cluster, String domain, int mails) {
        String root = domain.equals(ClusterServer.RETRY_NODE) ? ClusterServer.RETRY_ROOT : ClusterConf.HOLD_ROOT;
        ClusterServer reader = cluster.a.isAlive() ? cluster.a : cluster.b;
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
            .until(() -> cluster.mx.distinctMessageIds() >= mails && reader.held(root, domain) == 0);
        long delivered = cluster.mx.deliveryCount();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> cluster.mx.deliveryCount() == delivered);
    }
}
