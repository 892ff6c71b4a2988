package org.jamesetrn.hold;

import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.util.concurrent.ThreadFactoryBuilder;

/**
 * The claims this server holds on copies in flight (in the spool, in RemoteDelivery's queue or hands, on an ATRN
 * connection, or their outcome waiting to be stored), renewed every third of {@code release.claim.timeout} for as
 * long as the attempt lasts: a slow site never sees a second copy, and retention never expires a mail in flight. A
 * server that dies renews nothing, and its claims lapse one timeout later.
 *
 * <p>A lease is given up when its attempt's outcome is stored, when the copy is dropped, or after {@link #LONGEST}:
 * a copy that lost its way in the mail container (a misconfigured processor) must not keep its mail from expiring
 * for ever.</p>
 */
final class Leases implements Closeable {
    /** Longer than any delivery attempt RemoteDelivery's own time-outs allow, even for a large mail on a slow link. */
    static final Duration LONGEST = Duration.ofHours(6);
    private static final Logger LOGGER = LoggerFactory.getLogger(Leases.class);

    private static final class Lease {
        final String token;
        final long since;
        /** When its claim was last renewed (or taken); a renewal that failed is tried again at the next tick. */
        volatile long renewed;

        Lease(String token, long since) {
            this.token = token;
            this.since = since;
            this.renewed = since;
        }
    }

    private static final Duration TICK = Duration.ofSeconds(1);

    private final ReleaseClaims claims;
    private final Clock clock;
    private final long every;
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final ScheduledExecutorService renewer;

    Leases(ReleaseClaims claims, Duration timeout) {
        this(claims, timeout, Clock.systemUTC(), true);
    }

    /** With {@code renewing} false nothing is renewed on its own: {@link #renewAll} does it (unit tests). */
    Leases(ReleaseClaims claims, Duration timeout, Clock clock, boolean renewing) {
        this.claims = claims;
        this.clock = clock;
        this.renewer = Executors.newSingleThreadScheduledExecutor(
            new ThreadFactoryBuilder().setDaemon(true).setNameFormat("etrn-hold-leases").build());
        this.every = Math.max(1, timeout.toMillis() / 3);
        if (renewing) {
            // Ticks every second (at most): a renewal that failed (the claims' store unreachable) is tried again at the
            // next tick, so that a claim is renewed within a second of the store's return, not a third of the timeout
            // later, when it may have lapsed (CassandraOutageTest: a copy the site took during an outage was sent again).
            long tick = Math.min(every, TICK.toMillis());
            renewer.scheduleWithFixedDelay(this::renewAll, tick, tick, TimeUnit.MILLISECONDS);
        }
    }

    /** From now on this server renews {@code token}'s claim on {@code generation}. */
    void hold(String generation, String token) {
        leases.put(generation, new Lease(token, clock.millis()));
    }

    /** Whether this server renews {@code token}'s claim on {@code generation}. */
    boolean holds(String generation, String token) {
        Lease lease = leases.get(generation);
        return lease != null && lease.token.equals(token);
    }

    /** Stops renewing {@code token}'s claim on {@code generation} (its attempt ended, or its copy was dropped). */
    void drop(String generation, String token) {
        leases.computeIfPresent(generation, (key, lease) -> Objects.equals(lease.token, token) ? null : lease);
    }

    int size() {
        return leases.size();
    }

    /**
     * Renews every lease last renewed a third of the timeout ago or more (or whose last renewal failed since); a claim
     * found lost (it lapsed and another won) is no longer renewed.
     */
    void renewAll() {
        long now = clock.millis();
        leases.forEach((generation, lease) -> {
            if (now - lease.since > LONGEST.toMillis()) {
                LOGGER.warn("The copy of held mail {} has been in flight for more than {}: its claim is no longer renewed",
                    generation, LONGEST);
                drop(generation, lease.token);
                return;
            }
            if (now - lease.renewed < every) {
                return;
            }
            try {
                if (claims.renew(generation, lease.token)) {
                    lease.renewed = now;
                } else {
                    lost(generation, lease.token);
                }
            } catch (RuntimeException e) {
                // The claims cannot be written now (a cluster's Cassandra is unreachable): tried again at the next round.
                LOGGER.debug("Could not renew the claim on held mail {}", generation, e);
            }
        });
    }

    /**
     * A claim this server can no longer renew. Ended: the attempt's outcome was stored, on a cluster usually by the
     * server that took this server's copy from the shared queue, which is how a cluster works (a cluster stress run
     * logged some 200 warnings for it). Taken by another: it lapsed while the copy was in flight, worth a warning.
     */
    private void lost(String generation, String token) {
        boolean ended;
        try {
            ended = claims.isEnded(generation);
        } catch (RuntimeException e) {
            ended = false;
        }
        if (ended) {
            LOGGER.debug("The claim on held mail {} ended (its outcome was stored): no longer renewed", generation);
        } else {
            LOGGER.warn("The claim on held mail {} was lost while its copy was in flight", generation);
        }
        drop(generation, token);
    }

    @Override
    public void close() {
        renewer.shutdownNow();
    }
}
