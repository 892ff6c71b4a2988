package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.jamesetrn.e2e.fixture.ClusterExtension;
import org.jamesetrn.e2e.fixture.ClusterServer;
import org.jamesetrn.e2e.fixture.RelayAndMx;
import org.jamesetrn.kit.CassandraNode;
import org.jamesetrn.kit.ClusterConf;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.RabbitMQNode;
import org.jamesetrn.kit.Repository;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 18, no mail loops on a queue without delays: on the cluster (conf/cluster), ordinary relay mail that fails for
 * now is parked in the hold after one attempt, tried again by the hold's retryEvery, and bounced with a "failed" DSN
 * when it expires, where RemoteDelivery's own retries would have been immediate on RabbitMQ. customer.test is an
 * ordinary relayed domain there (the shipped conf's queue route, a smarthost). The server runs alone in a Cassandra
 * keyspace and a RabbitMQ virtual host of its own (the run's Cassandra and RabbitMQ), with the hold's periods in
 * seconds instead of hours and days.
 */
@ExtendWith(ClusterExtension.class)
class ClusterParkTest {
    private static final Logger LOGGER = LoggerFactory.getLogger(ClusterParkTest.class);
    private static final String RELAYED = "customer.test";
    private static final String NAMESPACE = "parktest";
    private static final Duration RETRY_EVERY = Duration.ofSeconds(2);
    private static final Duration EXPIRE_AFTER = Duration.ofSeconds(20);

    @Test
    void relayMailIsParkedAfterOneAttemptRetriedByTheHoldAndBouncedWhenItExpires(CassandraNode cassandra, RabbitMQNode rabbitMQ)
            throws Exception {
        rabbitMQ.createVirtualHost(NAMESPACE);
        try {
            parkRetryAndBounce(cassandra, rabbitMQ);
        } finally {
            // Gone before the next test's servers start: with its queues listed they would not declare their own.
            rabbitMQ.deleteVirtualHost(NAMESPACE);
        }
    }

    private void parkRetryAndBounce(CassandraNode cassandra, RabbitMQNode rabbitMQ) throws Exception {
        Repository repository = Repository.underTest();
        try (CustomerMx mx = new CustomerMx(Ports.free()).start();
             ClusterServer server = ClusterServer.start("park", ClusterServer.folder(
                     repository.root().resolve("integration-tests/target/cluster"), "park"), mx.port(), cassandra, rabbitMQ,
                 conf -> conf
                     .setProperty(ClusterConf.CASSANDRA, "cassandra.keyspace", NAMESPACE)
                     .setProperty(ClusterConf.RABBITMQ, "uri", "amqp://127.0.0.1:" + rabbitMQ.port() + "/" + NAMESPACE)
                     .setElements("mailetcontainer.xml", "retryEvery", RETRY_EVERY.toSeconds() + "s")
                     .setElements("mailetcontainer.xml", "expireAfter", EXPIRE_AFTER.toSeconds() + "s"))) {
            // Parked: one attempt against a site that is down for now, then the hold.
            mx.refuse(RelayAndMx.SITE_DOWN);
            String parked = server.send(RELAYED, 1).get(0);
            await().atMost(Duration.ofSeconds(60)).until(() -> server.held(RELAYED) == 1);
            long parkedAt = System.nanoTime();
            int attempts = mx.connections();
            assertThat(attempts).as("attempts before the mail was parked").isBetween(1, 2);
            // Not looping: at most an attempt per retryEvery from now on (RemoteDelivery's six attempts of the
            // shipped conf would be back to back on RabbitMQ, then a bounce).
            // (A failed retry writes the mail back under a new key before it removes the old one: 1 or 2 entries.)
            await().during(RETRY_EVERY.multipliedBy(3)).atMost(RETRY_EVERY.multipliedBy(4))
                .until(() -> mx.connections() <= attempts + 5 && server.held(RELAYED) >= 1);
            long periods = Duration.ofNanos(System.nanoTime() - parkedAt).dividedBy(RETRY_EVERY);
            assertThat(rabbitMQ.messages(NAMESPACE, "outgoing-smarthost")).as("nothing waits in RemoteDelivery's queue").isZero();
            LOGGER.info("Parked after {} attempt(s); {} connections in all over the next {} retry periods", attempts,
                mx.connections(), periods);

            // Retried: the site is back, the hold's next retry delivers the mail, once.
            mx.answer();
            await().atMost(RETRY_EVERY.multipliedBy(10)).until(() -> mx.messageIds().contains(parked)
                && server.held(RELAYED) == 0);
            assertThat(mx.messageIds()).containsExactly(parked);

            // Expired: a recipient the site refuses for now at every attempt, until the hold gives up and bounces it.
            mx.forget();
            mx.refuseRecipient("stuck@" + RELAYED, "452 4.2.2 mailbox full, try later");
            String stuck = "<stuck@e2e.test>";
            try (SmtpClient client = server.connect()) {
                assertThat(client.send("carol@" + RELAYED, List.of("stuck@" + RELAYED), stuck).code()).isEqualTo(250);
            }
            long sent = System.nanoTime();
            await().atMost(EXPIRE_AFTER.plusSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> dsnFor(mx, stuck).isPresent());
            CustomerMx.Delivery dsn = dsnFor(mx, stuck).orElseThrow();
            LOGGER.info("Bounced {} s after it was sent, after {} attempts", Duration.ofNanos(System.nanoTime() - sent).toSeconds(),
                mx.connections() - 1);
            assertThat(dsn.dsnAction()).contains("failed");
            assertThat(dsn.recipients()).containsExactly("carol@" + RELAYED);
            assertThat(Duration.ofNanos(dsn.nanos() - sent)).isGreaterThanOrEqualTo(EXPIRE_AFTER);
            assertThat(mx.connections()).as("attempts until the expiry: about one per retryEvery")
                .isGreaterThan(2).isLessThanOrEqualTo((int) EXPIRE_AFTER.plusSeconds(60).dividedBy(RETRY_EVERY) + 3);
            assertThat(mx.messageIds()).as("the refused mail itself never delivered").doesNotContain(stuck);
            await().atMost(Duration.ofSeconds(30)).until(() -> server.held(RELAYED) == 0);
        }
    }

    private static Optional<CustomerMx.Delivery> dsnFor(CustomerMx mx, String messageId) {
        return mx.deliveries().stream()
            .filter(delivery -> delivery.originalMessageId().filter(messageId::equals).isPresent())
            .findFirst();
    }
}
