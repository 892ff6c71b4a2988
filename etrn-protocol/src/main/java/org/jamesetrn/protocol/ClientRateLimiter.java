package org.jamesetrn.protocol;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;

/**
 * A bucket4j token bucket per client IP address: capacity {@code permits}, refilled greedily with {@code permits} per
 * {@code period}. A client may send a burst of {@code permits} ETRN (RFC 1985 clients send several in a row), then
 * gets one more every {@code period / permits}. {@code permits} 0 disables the limit.
 *
 * <p>Why not Guava's {@code RateLimiter}: it stores at most one second of permits, so "30 per minute" could not burst.
 * Memory is bounded: a bucket idle for a whole period is full again, so the cache may forget it; beyond
 * {@link #MAX_CLIENTS} addresses the least recently used buckets are dropped.</p>
 *
 * <p>The ODMR listener counts failed AUTHs with one ({@link #tryAcquire} per failure, {@link #exhausted} before
 * serving an address).</p>
 */
public final class ClientRateLimiter {
    static final int MAX_CLIENTS = 100_000;

    private final int permits;
    private final Duration period;
    private final TimeMeter clock;
    private final Cache<InetAddress, Bucket> buckets;

    public ClientRateLimiter(int permits, Duration period, Ticker ticker) {
        this.permits = permits;
        this.period = period;
        this.clock = new TickerTimeMeter(ticker);
        this.buckets = CacheBuilder.newBuilder()
            .expireAfterAccess(period.toNanos(), TimeUnit.NANOSECONDS)
            .maximumSize(MAX_CLIENTS)
            .ticker(ticker)
            .build();
    }

    /** Takes one token for {@code client}; false when its bucket is empty (the ETRN is then refused). */
    public boolean tryAcquire(InetAddress client) {
        if (permits <= 0 || client == null) {
            return true;
        }
        try {
            return buckets.get(client, this::newBucket).tryConsume(1);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code client} has no token left now (without taking one): a client never seen has all of them. */
    public boolean exhausted(InetAddress client) {
        if (permits <= 0 || client == null) {
            return false;
        }
        Bucket bucket = buckets.getIfPresent(client);
        return bucket != null && bucket.getAvailableTokens() < 1;
    }

    private Bucket newBucket() {
        return Bucket.builder()
            .addLimit(limit -> limit.capacity(permits).refillGreedy(permits, period))
            .withCustomTimePrecision(clock)
            .build();
    }
}
