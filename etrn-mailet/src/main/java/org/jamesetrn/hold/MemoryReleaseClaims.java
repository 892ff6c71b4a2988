package org.jamesetrn.hold;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.inject.Inject;
import javax.inject.Singleton;

import org.jamesetrn.release.ProbeOutcome;
import org.jamesetrn.release.ReleaseConfiguration;

/**
 * The claims of one server, in memory: enough where the hold lives on one server (memory or file repositories), also
 * on the persistent server, whose copies in flight outlive a restart in ActiveMQ: a copy met again after the restart
 * claims its entry anew, or is dropped when its entry is gone from the hold or claimed by another copy (see
 * {@link HoldDelivery}). A claim costs about 200 bytes and lives {@code release.claim.timeout} after its last change.
 */
@Singleton
public class MemoryReleaseClaims implements ReleaseClaims {
    private static final class Claim {
        final String token;
        final long at;
        final boolean ended;
        final ProbeOutcome verdict;

        Claim(String token, long at, boolean ended) {
            this(token, at, ended, null);
        }

        Claim(String token, long at, boolean ended, ProbeOutcome verdict) {
            this.token = token;
            this.at = at;
            this.ended = ended;
            this.verdict = verdict;
        }
    }

    private final Map<String, Claim> claims = new ConcurrentHashMap<>();
    private final Duration timeout;
    private final Duration tombstone;
    private final Clock clock;
    private volatile long lastPurge;

    @Inject
    public MemoryReleaseClaims(ReleaseConfiguration configuration) {
        this(configuration.claimTimeout(), Clock.systemUTC());
    }

    MemoryReleaseClaims(Duration timeout, Clock clock) {
        this.timeout = timeout;
        this.tombstone = ReleaseClaims.tombstone(timeout);
        this.clock = clock;
    }

    @Override
    public boolean claim(String generation, String token) {
        long now = clock.millis();
        purge(now);
        AtomicBoolean won = new AtomicBoolean();
        claims.compute(generation, (key, existing) -> {
            if (existing == null || (!existing.ended && expired(existing, now))) {
                won.set(true);
                return new Claim(token, now, false);
            }
            return existing;
        });
        return won.get();
    }

    @Override
    public boolean renew(String generation, String token) {
        return handOver(generation, token, token);
    }

    @Override
    public boolean handOver(String generation, String from, String to) {
        long now = clock.millis();
        AtomicBoolean moved = new AtomicBoolean();
        claims.computeIfPresent(generation, (key, existing) -> {
            if (!existing.ended && existing.token.equals(from) && !expired(existing, now)) {
                moved.set(true);
                return new Claim(to, now, false);
            }
            return existing;
        });
        return moved.get();
    }

    @Override
    public boolean isHeldBy(String generation, String token) {
        Claim claim = claims.get(generation);
        return claim != null && !claim.ended && Objects.equals(claim.token, token) && !expired(claim, clock.millis());
    }

    @Override
    public boolean isEnded(String generation) {
        Claim claim = claims.get(generation);
        return claim != null && claim.ended;
    }

    @Override
    public void end(String generation) {
        long now = clock.millis();
        claims.compute(generation, (key, existing) -> new Claim(existing == null ? "" : existing.token, now, true));
    }

    @Override
    public void end(String generation, ProbeOutcome verdict) {
        long now = clock.millis();
        claims.compute(generation, (key, existing) -> new Claim(existing == null ? "" : existing.token, now, true, verdict));
    }

    @Override
    public Optional<ProbeOutcome> verdict(String generation) {
        Claim claim = claims.get(generation);
        return claim != null && claim.ended ? Optional.ofNullable(claim.verdict) : Optional.empty();
    }

    @Override
    public void abandon(String generation, String token) {
        claims.computeIfPresent(generation, (key, existing) ->
            !existing.ended && existing.token.equals(token) ? null : existing);
    }

    private boolean expired(Claim claim, long now) {
        return now - claim.at >= timeout.toMillis();
    }

    /** At most once per tenth of the timeout: drops claims older than the timeout, tombstones older than theirs. */
    private void purge(long now) {
        if (now - lastPurge < timeout.toMillis() / 10) {
            return;
        }
        lastPurge = now;
        claims.values().removeIf(claim -> claim.ended ? now - claim.at >= tombstone.toMillis() : expired(claim, now));
    }
}
