package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.jamesetrn.e2e.fixture.ClusterExtension;
import org.jamesetrn.kit.CassandraNode;
import org.jamesetrn.kit.Repository;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;

/**
 * The claims of a cluster ({@code org.jamesetrn.cluster.CassandraReleaseClaims}, the class the cluster server loads from
 * the etrn-mailet jar in extensions-jars/) against the test run's Cassandra 5.0: the contract of ReleaseClaims, as
 * MemoryReleaseClaimsTest checks it for one server, with Cassandra's TTL as the timeout, and one winner among claims
 * racing from two sessions (two servers). Our classes are not on this classpath: the class is loaded from the jar.
 */
@ExtendWith(ClusterExtension.class)
class CassandraReleaseClaimsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final String KEYSPACE = "etrn_claims_test";
    private static final Duration SCHEMA_TIMEOUT = Duration.ofSeconds(60);

    /** One server's claims: the jar's class, called by reflection. */
    private static final class Claims {
        private final Object target;

        Claims(Object target) {
            this.target = target;
        }

        boolean claim(String generation, String token) {
            return (Boolean) call("claim", generation, token);
        }

        boolean renew(String generation, String token) {
            return (Boolean) call("renew", generation, token);
        }

        boolean handOver(String generation, String from, String to) {
            return (Boolean) call("handOver", generation, from, to);
        }

        boolean isHeldBy(String generation, String token) {
            return (Boolean) call("isHeldBy", generation, token);
        }

        boolean isEnded(String generation) {
            return (Boolean) call("isEnded", generation);
        }

        void end(String generation) {
            call("end", generation);
        }

        void abandon(String generation, String token) {
            call("abandon", generation, token);
        }

        private Object call(String name, String... arguments) {
            try {
                Class<?>[] types = new Class<?>[arguments.length];
                Arrays.fill(types, String.class);
                Method method = target.getClass().getMethod(name, types);
                return method.invoke(target, (Object[]) arguments);
            } catch (InvocationTargetException e) {
                throw new IllegalStateException(e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final List<CqlSession> SESSIONS = new ArrayList<>();
    private static URLClassLoader extension;
    private static Claims serverA;
    private static Claims serverB;
    /** With the shipped constructor: tombstones of their own length. */
    private static Claims shipped;
    private static CqlSession shippedSession;

    @BeforeAll
    static void connect(CassandraNode cassandra) throws Exception {
        try (CqlSession admin = session(cassandra, null)) {
            admin.execute(SimpleStatement.newInstance("CREATE KEYSPACE IF NOT EXISTS " + KEYSPACE
                + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}").setTimeout(SCHEMA_TIMEOUT));
        }
        URL jar = Repository.underTest().extension().jars().resolve("etrn-mailet.jar").toUri().toURL();
        extension = new URLClassLoader(new URL[] {jar}, CassandraReleaseClaimsTest.class.getClassLoader());
        serverA = claims(session(cassandra, KEYSPACE));
        serverB = claims(session(cassandra, KEYSPACE));
        shippedSession = session(cassandra, KEYSPACE);
        shipped = new Claims(extension.loadClass("org.jamesetrn.cluster.CassandraReleaseClaims")
            .getConstructor(CqlSession.class, Duration.class).newInstance(shippedSession, TIMEOUT));
    }

    private static CqlSession session(CassandraNode cassandra, String keyspace) {
        CqlSession session = CqlSession.builder()
            .addContactPoint(new InetSocketAddress("127.0.0.1", cassandra.cqlPort()))
            .withLocalDatacenter("datacenter1")
            // The driver's 2 s default is short for one node on two cores shared with every other build of the machine.
            .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10)).build())
            .withKeyspace(keyspace)
            .build();
        SESSIONS.add(session);
        return session;
    }

    private static Claims claims(CqlSession session) throws Exception {
        Class<?> type = extension.loadClass("org.jamesetrn.cluster.CassandraReleaseClaims");
        return new Claims(type.getConstructor(CqlSession.class, Duration.class, Duration.class)
            .newInstance(session, TIMEOUT, TIMEOUT));
    }

    @AfterAll
    static void close() throws Exception {
        SESSIONS.forEach(CqlSession::close);
        extension.close();
    }

    private static String generation() {
        return UUID.randomUUID().toString();
    }

    @Test
    void oneClaimWinsAcrossServersUntilItIsAbandonedByItsHolder() {
        String g = generation();
        assertThat(serverA.claim(g, "first")).isTrue();
        assertThat(serverB.claim(g, "second")).isFalse();
        assertThat(serverB.isHeldBy(g, "first")).isTrue();
        assertThat(serverA.isHeldBy(g, "second")).isFalse();

        serverB.abandon(g, "second"); // not its claim: nothing happens
        assertThat(serverA.isHeldBy(g, "first")).isTrue();

        serverA.abandon(g, "first");
        assertThat(serverB.claim(g, "second")).isTrue();
        assertThat(serverA.isHeldBy(g, "second")).isTrue();
    }

    @Test
    void claimsRacingFromTwoServersHaveExactlyOneWinner() throws Exception {
        int racers = 16;
        ExecutorService threads = Executors.newFixedThreadPool(racers);
        try {
            for (int round = 0; round < 20; round++) {
                String g = generation();
                CyclicBarrier start = new CyclicBarrier(racers);
                List<Future<Boolean>> won = new ArrayList<>();
                for (int racer = 0; racer < racers; racer++) {
                    Claims server = racer % 2 == 0 ? serverA : serverB;
                    String token = "racer-" + racer;
                    won.add(threads.submit(() -> {
                        start.await(30, TimeUnit.SECONDS);
                        return server.claim(g, token);
                    }));
                }
                int winners = 0;
                for (Future<Boolean> claim : won) {
                    winners += claim.get(60, TimeUnit.SECONDS) ? 1 : 0;
                }
                assertThat(winners).as("winners of round %s", round).isEqualTo(1);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void anEndedMailCannotBeClaimedAgainWhileItsTombstoneLasts() {
        String g = generation();
        assertThat(serverA.claim(g, "first")).isTrue();
        serverA.end(g);

        assertThat(serverB.isEnded(g)).isTrue();
        assertThat(serverB.isHeldBy(g, "first")).isFalse();
        assertThat(serverB.claim(g, "late duplicate")).isFalse();
        serverA.abandon(g, "first");
        assertThat(serverB.claim(g, "late duplicate")).isFalse();

        await().atMost(TIMEOUT.plusSeconds(5)).until(() -> !serverB.isEnded(g));
        assertThat(serverB.claim(g, "after the tombstone")).isTrue();
    }

    /**
     * A leftover entry (a crash between the end and the removal) is removed by the next release or a retention pass
     * reading its domain in full, an hour apart at most: its tombstone must outlast that, or it is sent again.
     */
    @Test
    void anEndedClaimIsRememberedLongerThanTheRetentionLeavesBetweenFullPasses() {
        String g = generation();
        assertThat(shipped.claim(g, "first")).isTrue();
        shipped.end(g);

        int ttl = shippedSession.execute(SimpleStatement.newInstance(
            "SELECT TTL(ended) FROM etrn_release_claims WHERE generation = ?", g)).one().getInt(0);
        assertThat(ttl).as("seconds the tombstone lives").isGreaterThan((int) Duration.ofHours(1).toSeconds());
    }

    /** Two copies of one attempt beginning on the two servers at once: one takes the claim over, the other is told no. */
    @Test
    void aClaimIsHandedOverOnceWhoeverAsksAtTheSameInstant() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 20; round++) {
                String g = generation();
                assertThat(serverA.claim(g, "release")).isTrue();
                CyclicBarrier start = new CyclicBarrier(2);
                Future<Boolean> onA = threads.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    return serverA.handOver(g, "release", "attempt on A");
                });
                Future<Boolean> onB = threads.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    return serverB.handOver(g, "release", "attempt on B");
                });
                boolean aWon = onA.get(60, TimeUnit.SECONDS);
                boolean bWon = onB.get(60, TimeUnit.SECONDS);

                assertThat(aWon ^ bWon).as("exactly one hand-over in round " + round).isTrue();
                assertThat(serverB.isHeldBy(g, aWon ? "attempt on A" : "attempt on B")).isTrue();
                assertThat(serverA.renew(g, "release")).as("the release's token holds nothing any more").isFalse();
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void anEndedClaimIsNotHandedOver() {
        String g = generation();
        assertThat(serverA.claim(g, "release")).isTrue();
        serverA.end(g);

        assertThat(serverB.handOver(g, "release", "late")).isFalse();
        assertThat(serverB.isEnded(g)).isTrue();
    }

    @Test
    void aClaimWithoutNewsExpiresSoThatTheMailIsReleasedAgain() {
        String g = generation();
        assertThat(serverA.claim(g, "lost with a crash")).isTrue();
        assertThat(serverB.claim(g, "next")).isFalse();

        await().atMost(TIMEOUT.plusSeconds(5)).until(() -> serverB.claim(g, "next"));
        assertThat(serverA.isHeldBy(g, "lost with a crash")).isFalse();
        assertThat(serverA.isHeldBy(g, "next")).isTrue();
    }

    @Test
    void endingAnUnclaimedOrExpiredMailLeavesATombstoneToo() {
        String unclaimed = generation();
        serverA.end(unclaimed);
        assertThat(serverB.isEnded(unclaimed)).isTrue();
        assertThat(serverB.claim(unclaimed, "any")).isFalse();

        String expired = generation();
        assertThat(serverA.claim(expired, "gone")).isTrue();
        await().atMost(TIMEOUT.plusSeconds(5)).until(() -> !serverA.isHeldBy(expired, "gone"));
        serverB.end(expired);
        assertThat(serverA.isEnded(expired)).isTrue();
        assertThat(serverA.claim(expired, "again")).isFalse();
    }
}
