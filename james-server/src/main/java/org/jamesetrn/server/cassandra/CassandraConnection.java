package org.jamesetrn.server.cassandra;

import java.net.InetSocketAddress;
import java.time.Duration;

import org.apache.james.backends.cassandra.components.CassandraModule;
import org.apache.james.backends.cassandra.init.KeyspaceFactory;
import org.apache.james.backends.cassandra.init.SessionWithInitializedTablesFactory;
import org.apache.james.backends.cassandra.init.configuration.ClusterConfiguration;
import org.apache.james.backends.cassandra.init.configuration.KeyspaceConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.servererrors.AlreadyExistsException;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Opens the server's Cassandra session: contact points, credentials and local datacenter of cassandra.properties, the
 * keyspace created if missing, then a session on it. James 3.8.1's own {@code ClusterFactory} cannot do it on
 * Cassandra 5.0: it checks the connection with {@code SELECT dateof(now()) ...}, and 5.0 removed {@code dateof}
 * ("Unknown function 'dateof'"). The rest of James's Cassandra code (keyspace and table creation, the mail repository's
 * statements) works on 5.0 unchanged.
 *
 * <p>Not James's {@code ResilientClusterProvider}, which calls that {@code ClusterFactory}; the same retries, with
 * Reactor's backoff as there.</p>
 */
final class CassandraConnection {
    private static final Logger LOGGER = LoggerFactory.getLogger(CassandraConnection.class);
    private static final String DEFAULT_DATACENTER = "datacenter1";
    /** The longest wait between two attempts to reach a Cassandra node that went away. */
    static final java.time.Duration RECONNECTION_MAX_DELAY = java.time.Duration.ofSeconds(4);
    private static final int SCHEMA_ATTEMPTS = 5;

    private CassandraConnection() {
    }

    /**
     * The session with James's tables created if missing. James creates a table or type only after seeing it absent,
     * without {@code IF NOT EXISTS}: two servers starting together on a fresh keyspace race, and the loser is told it
     * already exists; it then opens a session again and finds the schema there. A table creation that outlasts the
     * driver's request timeout (a busy one-node Cassandra creating the tables of two servers at once) is looked at
     * again the same way: Cassandra goes on creating it after the timeout.
     */
    static SessionWithInitializedTablesFactory openWithTables(ClusterConfiguration cluster, KeyspaceConfiguration keyspace,
                                                              CassandraModule tables) {
        for (int attempt = 1; ; attempt++) {
            CqlSession session = open(cluster, keyspace);
            try {
                return new SessionWithInitializedTablesFactory(session, tables);
            } catch (RuntimeException e) {
                session.close();
                if (attempt == SCHEMA_ATTEMPTS || !isSchemaRace(e)) {
                    throw e;
                }
                LOGGER.info("Looking at the schema again: {}", e instanceof DriverTimeoutException
                    ? "Cassandra was slow to create a table or type (" + e.getMessage() + ")"
                    : "another server created a table or type meanwhile (" + e.getMessage() + ")");
            }
        }
    }

    /**
     * A table: AlreadyExistsException; a user type: "A user type with name 'header' already exists"; a creation that
     * outlasted the request timeout: DriverTimeoutException.
     */
    private static boolean isSchemaRace(RuntimeException e) {
        return e instanceof DriverTimeoutException
            || ((e instanceof AlreadyExistsException || e instanceof InvalidQueryException)
                && String.valueOf(e.getMessage()).contains("already exists"));
    }

    /** Tries {@code cassandra.retryConnection.maxRetries} times more, {@code minDelay} ms apart at first, then doubling. */
    static CqlSession open(ClusterConfiguration cluster, KeyspaceConfiguration keyspace) {
        return Mono.fromCallable(() -> openOnce(cluster, keyspace))
            .doOnError(e -> LOGGER.warn("Cannot reach Cassandra at {} yet: {}", cluster.getHosts(), e.toString()))
            .retryWhen(Retry.backoff(cluster.getMaxRetry(), Duration.ofMillis(cluster.getMinDelay()))
                .scheduler(Schedulers.boundedElastic()))
            .block();
    }

    private static CqlSession openOnce(ClusterConfiguration cluster, KeyspaceConfiguration keyspace) {
        try (CqlSession withoutKeyspace = builder(cluster).build()) {
            KeyspaceFactory.createKeyspace(keyspace, withoutKeyspace).block();
        }
        CqlSession session = builder(cluster).withKeyspace(keyspace.getKeyspace()).build();
        try {
            Row local = session.execute("SELECT release_version FROM system.local").one();
            LOGGER.info("Connected to Cassandra {} at {}, keyspace {}", local == null ? "?" : local.getString(0),
                cluster.getHosts(), keyspace.getKeyspace());
            return session;
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    private static CqlSessionBuilder builder(ClusterConfiguration cluster) {
        CqlSessionBuilder builder = CqlSession.builder()
            .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                // The driver's default backs off to a minute between attempts: after an outage of Cassandra the claims
                // of copies in flight must be renewed before they lapse (release.claim.timeout), and the hold written.
                .withDuration(DefaultDriverOption.RECONNECTION_MAX_DELAY, RECONNECTION_MAX_DELAY)
                .build())
            .withLocalDatacenter(cluster.getLocalDC().orElse(DEFAULT_DATACENTER));
        cluster.getHosts().forEach(host ->
            builder.addContactPoint(InetSocketAddress.createUnresolved(host.getHostName(), host.getPort())));
        cluster.getUsername().ifPresent(user -> builder.withAuthCredentials(user, cluster.getPassword().orElse("")));
        return builder;
    }
}
