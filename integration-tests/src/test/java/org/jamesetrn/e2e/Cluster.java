package org.jamesetrn.e2e;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.jamesetrn.kit.CassandraNode;
import org.jamesetrn.kit.ClusterConf;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.RabbitMQNode;
import org.jamesetrn.kit.Repository;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The test cluster: one Cassandra 5.0 node, one RabbitMQ node, two cluster servers A and B on them (separate
 * processes), and the customer MX both deliver held mail to. Started once for the test run ({@link ClusterExtension}),
 * stopped at its end. A test may kill a server or stop Cassandra or RabbitMQ: {@link #reset} brings everything back
 * before the next one.
 */
final class Cluster implements ExtensionContext.Store.CloseableResource {
    private static final Logger LOGGER = LoggerFactory.getLogger(Cluster.class);

    final CassandraNode cassandra;
    final RabbitMQNode rabbitMQ;
    final CustomerMx mx;
    final ClusterServer a;
    final ClusterServer b;

    private Cluster(CassandraNode cassandra, RabbitMQNode rabbitMQ, CustomerMx mx, ClusterServer a, ClusterServer b) {
        this.cassandra = cassandra;
        this.rabbitMQ = rabbitMQ;
        this.mx = mx;
        this.a = a;
        this.b = b;
    }

    static Cluster start(CassandraNode cassandra, RabbitMQNode rabbitMQ) throws Exception {
        Path folder = Repository.underTest().root().resolve("integration-tests/target/cluster");
        // The MX listens while the servers pick free ports, so that none of them is the MX's; then it is down.
        CustomerMx mx = new CustomerMx(Ports.free()).start();
        long started = System.nanoTime();
        CompletableFuture<ClusterServer> a = starting("A", folder, mx, cassandra, rabbitMQ);
        CompletableFuture<ClusterServer> b = starting("B", folder, mx, cassandra, rabbitMQ);
        try {
            Cluster cluster = new Cluster(cassandra, rabbitMQ, mx, a.join(), b.join());
            LOGGER.info("Cluster servers A and B started in {} s", Duration.ofNanos(System.nanoTime() - started).toSeconds());
            return cluster;
        } catch (RuntimeException e) {
            for (CompletableFuture<ClusterServer> server : List.of(a, b)) {
                server.thenAccept(ClusterServer::closeQuietly);
            }
            mx.close();
            throw e;
        } finally {
            mx.stop();
        }
    }

    private static CompletableFuture<ClusterServer> starting(String name, Path folder, CustomerMx mx, CassandraNode cassandra,
                                                             RabbitMQNode rabbitMQ) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return ClusterServer.start(name, ClusterServer.folder(folder, name), mx.port(), cassandra, rabbitMQ);
            } catch (Exception e) {
                throw new IllegalStateException("cannot start cluster server " + name, e);
            }
        });
    }

    List<ClusterServer> servers() {
        return List.of(a, b);
    }

    /**
     * A clean state for the next test: Cassandra and both servers up (started again if a test stopped or killed them),
     * the MX down and forgetting, every held domain's repository empty.
     */
    void reset() throws Exception {
        mx.stop();
        mx.answer();
        mx.forget();
        if (!cassandra.isAlive()) {
            cassandra.start();
        }
        if (!rabbitMQ.isAlive()) {
            rabbitMQ.start();
        }
        for (ClusterServer server : servers()) {
            if (!server.isAlive()) {
                server.restart();
            }
        }
        // Right after a restart of Cassandra the servers' drivers may not have reconnected yet (WebAdmin answers 500).
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            for (String domain : List.of(ClusterServer.NODE, ClusterServer.LATE_NODE)) {
                a.clear(ClusterConf.HOLD_ROOT, domain);
            }
            a.clear(ClusterServer.RETRY_ROOT, ClusterServer.RETRY_NODE);
            return a.held(ClusterServer.NODE) == 0 && a.held(ClusterServer.LATE_NODE) == 0
                && a.held(ClusterServer.RETRY_ROOT, ClusterServer.RETRY_NODE) == 0;
        });
    }

    @Override
    public void close() throws Exception {
        for (ClusterServer server : servers()) {
            server.closeQuietly();
        }
        mx.close();
    }
}
