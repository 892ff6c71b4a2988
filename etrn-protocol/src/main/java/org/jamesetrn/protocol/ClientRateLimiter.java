package org.jamesetrn.protocol;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.common.base.Ticker;
import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;

/**
 * At most {@code permits} ETRN per {@code period} per client IP address: a fixed window opened by the client's first
 * ETRN, kept in a Guava cache that forgets it when the period is over.
 *
 * <p>Why not Guava's {@code RateLimiter}: it stores at most one second of permits, so "30 per minute" would refuse a
 * second ETRN sent within two seconds (RFC 1985 clients send several in a row). A window of N per period is what the
 * admin wrote. Memory is bounded: beyond {@link #MAX_CLIENTS} addresses the oldest windows are dropped.</p>
 */
final class ClientRateLimiter {
    static final int MAX_CLIENTS = 100_000;

    static ClientRateLimiter unlimited() {
        return new ClientRateLimiter(0, Duration.ofSeconds(1), Ticker.systemTicker());
    }

    private final int permits;
    private final Cache<InetAddress, AtomicInteger> windows;

    ClientRateLimiter(int permits, Duration period, Ticker ticker) {
        this.permits = permits;
        this.windows = CacheBuilder.newBuilder()
            .expireAfterWrite(period.toNanos(), TimeUnit.NANOSECONDS)
            .maximumSize(MAX_CLIENTS)
            .ticker(ticker)
            .build();
    }

    /** Takes one permit for {@code client}; false when its window is used up (the ETRN is then refused). */
    boolean tryAcquire(InetAddress client) {
        if (permits <= 0 || client == null) {
            return true;
        }
        try {
            // Incrementing does not write the cache entry, so the window expires one period after it opened.
            return windows.get(client, AtomicInteger::new).incrementAndGet() <= permits;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }
}
