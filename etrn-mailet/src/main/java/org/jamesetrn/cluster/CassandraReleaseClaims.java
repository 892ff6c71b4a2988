package org.jamesetrn.cluster;

import static com.datastax.oss.driver.api.querybuilder.QueryBuilder.bindMarker;
import static com.datastax.oss.driver.api.querybuilder.QueryBuilder.deleteFrom;
import static com.datastax.oss.driver.api.querybuilder.QueryBuilder.insertInto;
import static com.datastax.oss.driver.api.querybuilder.QueryBuilder.literal;
import static com.datastax.oss.driver.api.querybuilder.QueryBuilder.selectFrom;
import static com.datastax.oss.driver.api.querybuilder.QueryBuilder.update;
import static com.datastax.oss.driver.api.querybuilder.SchemaBuilder.createTable;

import java.time.Duration;
import java.util.Optional;

import javax.inject.Inject;
import javax.inject.Singleton;

import org.apache.james.backends.cassandra.init.configuration.JamesExecutionProfiles;
import org.jamesetrn.hold.ReleaseClaims;
import org.jamesetrn.release.ProbeOutcome;
import org.jamesetrn.release.ReleaseConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverExecutionProfile;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.type.DataTypes;
import com.google.common.annotations.VisibleForTesting;

/**
 * The claims of every server of a cluster, in Cassandra, one row per held mail's generation, every change a lightweight
 * transaction (Paxos): of two servers claiming one generation at the same instant exactly one is told it won, whatever
 * their clocks and however the requests interleave. A claim lives {@code release.claim.timeout} (Cassandra's TTL) from
 * its last renewal, a tombstone {@link ReleaseClaims#TOMBSTONE} (two hours) from the end: the server carrying the copy renews it while the attempt lasts, and a claim
 * whose server died frees itself one timeout later, with no server left to do it.
 *
 * <pre>
 * CREATE TABLE etrn_release_claims (generation text PRIMARY KEY, holder text, ended boolean, verdict text)
 * claim    INSERT INTO etrn_release_claims (generation, holder, ended) VALUES (?, ?, false) IF NOT EXISTS USING TTL ?
 * renew    UPDATE etrn_release_claims USING TTL ? SET holder = ?, ended = false WHERE generation = ?
 *          IF holder = ? AND ended = false   (the same holder; handOver: the attempt's token instead)
 * abandon  DELETE FROM etrn_release_claims WHERE generation = ? IF holder = ? AND ended = false
 * end      UPDATE etrn_release_claims USING TTL ? SET ended = true, verdict = ? WHERE generation = ? IF EXISTS
 *          (nothing to update: INSERT ... VALUES (?, '', true, ?) IF NOT EXISTS USING TTL ?)
 * read     SELECT holder, ended, verdict FROM etrn_release_claims WHERE generation = ?   (at SERIAL consistency)
 * </pre>
 *
 * <p>Reads are serial (James's "LWT" execution profile of the driver, SERIAL unless configured otherwise), so that a
 * read sees every claim already won, even one whose Paxos round is unfinished. Writes are conditional only: plain and
 * conditional writes on one row do not mix safely in Cassandra. The table is created at start-up if missing; create it
 * beforehand (the statement above) on a multi-node Cassandra, where two servers starting together could create it
 * twice.</p>
 */
@Singleton
public class CassandraReleaseClaims implements ReleaseClaims {
    static final String TABLE = "etrn_release_claims";
    private static final String GENERATION = "generation";
    private static final String HOLDER = "holder";
    private static final String ENDED = "ended";
    private static final String TTL = "ttl";
    private static final String RENEWED = "renewed";
    private static final String VERDICT = "verdict";
    private static final int END_ATTEMPTS = 10;
    private static final Logger LOGGER = LoggerFactory.getLogger(CassandraReleaseClaims.class);

    private final CqlSession session;
    private final int ttlSeconds;
    private final int tombstoneTtlSeconds;
    private final DriverExecutionProfile serialRead;
    private final ConsistencyLevel serialConsistency;
    private final PreparedStatement claim;
    private final PreparedStatement renew;
    private final PreparedStatement abandon;
    private final PreparedStatement end;
    private final PreparedStatement endUnclaimed;
    private final PreparedStatement read;

    @Inject
    public CassandraReleaseClaims(CqlSession session, ReleaseConfiguration configuration) {
        this(session, configuration.claimTimeout());
    }

    @VisibleForTesting
    public CassandraReleaseClaims(CqlSession session, Duration timeout) {
        this(session, timeout, ReleaseClaims.tombstone(timeout));
    }

    /** With tombstones as short as the claims (a test waiting for one to go). */
    @VisibleForTesting
    public CassandraReleaseClaims(CqlSession session, Duration timeout, Duration tombstone) {
        this.session = session;
        this.ttlSeconds = seconds(timeout);
        this.tombstoneTtlSeconds = seconds(tombstone);
        this.serialRead = JamesExecutionProfiles.getLWTProfile(session);
        this.serialConsistency = DefaultConsistencyLevel.valueOf(
            serialRead.getString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY, DefaultConsistencyLevel.SERIAL.name()));
        createTableIfMissing(session);
        this.claim = session.prepare(insertInto(TABLE)
            .value(GENERATION, bindMarker(GENERATION))
            .value(HOLDER, bindMarker(HOLDER))
            .value(ENDED, literal(false))
            .ifNotExists()
            .usingTtl(bindMarker(TTL))
            .build());
        this.renew = session.prepare(update(TABLE)
            .usingTtl(bindMarker(TTL))
            .setColumn(HOLDER, bindMarker(RENEWED))
            .setColumn(ENDED, literal(false))
            .whereColumn(GENERATION).isEqualTo(bindMarker(GENERATION))
            .ifColumn(HOLDER).isEqualTo(bindMarker(HOLDER))
            .ifColumn(ENDED).isEqualTo(literal(false))
            .build());
        this.abandon = session.prepare(deleteFrom(TABLE)
            .whereColumn(GENERATION).isEqualTo(bindMarker(GENERATION))
            .ifColumn(HOLDER).isEqualTo(bindMarker(HOLDER))
            .ifColumn(ENDED).isEqualTo(literal(false))
            .build());
        this.end = session.prepare(update(TABLE)
            .usingTtl(bindMarker(TTL))
            .setColumn(ENDED, literal(true))
            .setColumn(VERDICT, bindMarker(VERDICT))
            .whereColumn(GENERATION).isEqualTo(bindMarker(GENERATION))
            .ifExists()
            .build());
        this.endUnclaimed = session.prepare(insertInto(TABLE)
            .value(GENERATION, bindMarker(GENERATION))
            .value(HOLDER, literal(""))
            .value(ENDED, literal(true))
            .value(VERDICT, bindMarker(VERDICT))
            .ifNotExists()
            .usingTtl(bindMarker(TTL))
            .build());
        this.read = session.prepare(selectFrom(TABLE)
            .columns(HOLDER, ENDED, VERDICT)
            .whereColumn(GENERATION).isEqualTo(bindMarker(GENERATION))
            .build());
        LOGGER.info("ETRN release claims in Cassandra, table {}.{}, time to live {} s (release.claim.timeout), "
            + "tombstones {} s", session.getKeyspace().map(Object::toString).orElse("?"), TABLE, ttlSeconds,
            tombstoneTtlSeconds);
    }

    private static int seconds(Duration duration) {
        return (int) Math.max(1, (duration.toMillis() + 999) / 1000);
    }

    private static void createTableIfMissing(CqlSession session) {
        session.execute(createTable(TABLE).ifNotExists()
            .withPartitionKey(GENERATION, DataTypes.TEXT)
            .withColumn(HOLDER, DataTypes.TEXT)
            .withColumn(ENDED, DataTypes.BOOLEAN)
            .withColumn(VERDICT, DataTypes.TEXT)
            .withComment("james-etrn: which server may end the stay of a held mail in the hold (ReleaseClaims)")
            .build()
            .setTimeout(Duration.ofSeconds(30)));
        // A table created by an earlier build lacks the verdict: added (Cassandra 5 accepts IF NOT EXISTS here).
        session.execute(SimpleStatement.newInstance("ALTER TABLE " + TABLE + " ADD IF NOT EXISTS " + VERDICT + " text")
            .setTimeout(Duration.ofSeconds(30)));
        session.checkSchemaAgreement();
    }

    @Override
    public boolean claim(String generation, String token) {
        return write(claim.bind()
            .setString(GENERATION, generation)
            .setString(HOLDER, token)
            .setInt(TTL, ttlSeconds));
    }

    /** Both cells again with a full time to live: a claim's cells were written with the TTL of its last change. */
    @Override
    public boolean renew(String generation, String token) {
        return handOver(generation, token, token);
    }

    /** The renewal's statement, with another holder: one Paxos round moves the claim or finds it gone. */
    @Override
    public boolean handOver(String generation, String from, String to) {
        return write(renew.bind()
            .setInt(TTL, ttlSeconds)
            .setString(RENEWED, to)
            .setString(GENERATION, generation)
            .setString(HOLDER, from));
    }

    @Override
    public boolean isHeldBy(String generation, String token) {
        Row row = read(generation);
        return row != null && !row.getBoolean(ENDED) && token.equals(row.getString(HOLDER));
    }

    @Override
    public boolean isEnded(String generation) {
        Row row = read(generation);
        return row != null && row.getBoolean(ENDED);
    }

    @Override
    public void end(String generation) {
        end(generation, (String) null);
    }

    @Override
    public void end(String generation, ProbeOutcome verdict) {
        end(generation, verdict.name());
    }

    private void end(String generation, String verdict) {
        for (int attempt = 0; attempt < END_ATTEMPTS; attempt++) {
            if (write(end.bind().setInt(TTL, tombstoneTtlSeconds).setString(VERDICT, verdict).setString(GENERATION, generation))
                || write(endUnclaimed.bind().setString(GENERATION, generation).setString(VERDICT, verdict)
                    .setInt(TTL, tombstoneTtlSeconds))) {
                return;
            }
            // The claim expired between the two statements and another one won: end that one.
        }
        throw new IllegalStateException("could not end the claims of held mail " + generation + " in "
            + END_ATTEMPTS + " attempts");
    }

    @Override
    public Optional<ProbeOutcome> verdict(String generation) {
        Row row = read(generation);
        if (row == null || !row.getBoolean(ENDED) || row.getString(VERDICT) == null) {
            return Optional.empty();
        }
        return Optional.of(ProbeOutcome.valueOf(row.getString(VERDICT)));
    }

    @Override
    public void abandon(String generation, String token) {
        write(abandon.bind().setString(GENERATION, generation).setString(HOLDER, token));
    }

    private boolean write(BoundStatement statement) {
        return session.execute(statement.setSerialConsistencyLevel(serialConsistency)).wasApplied();
    }

    private Row read(String generation) {
        return session.execute(read.bind().setString(GENERATION, generation).setExecutionProfile(serialRead)).one();
    }
}
