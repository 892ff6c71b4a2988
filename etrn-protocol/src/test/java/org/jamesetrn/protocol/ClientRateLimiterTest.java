package org.jamesetrn.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import com.google.common.net.InetAddresses;

class ClientRateLimiterTest {
    private static final InetAddress CLIENT = InetAddresses.forString("192.0.2.1");
    private static final InetAddress OTHER = InetAddresses.forString("2001:db8::1");

    private final ManualTicker ticker = new ManualTicker();
    private final ClientRateLimiter limiter = new ClientRateLimiter(3, Duration.ofSeconds(60), ticker);

    @Test
    void allowsABurstOfPermitsThenRefuses() {
        assertThat(IntStream.range(0, 3).mapToObj(i -> limiter.tryAcquire(CLIENT))).containsOnly(true);
        assertThat(limiter.tryAcquire(CLIENT)).isFalse();
        assertThat(limiter.tryAcquire(CLIENT)).isFalse();
    }

    @Test
    void countsEachClientAddressApart() {
        IntStream.range(0, 3).forEach(i -> limiter.tryAcquire(CLIENT));

        assertThat(limiter.tryAcquire(CLIENT)).isFalse();
        assertThat(limiter.tryAcquire(OTHER)).isTrue();
    }

    @Test
    void refillsWhenThePeriodIsOver() {
        IntStream.range(0, 4).forEach(i -> limiter.tryAcquire(CLIENT));
        ticker.advance(Duration.ofSeconds(59));
        assertThat(limiter.tryAcquire(CLIENT)).isFalse();

        ticker.advance(Duration.ofSeconds(1));
        assertThat(IntStream.range(0, 3).mapToObj(i -> limiter.tryAcquire(CLIENT))).containsOnly(true);
        assertThat(limiter.tryAcquire(CLIENT)).isFalse();
    }

    @Test
    void refusedRequestsDoNotExtendTheWindow() {
        IntStream.range(0, 3).forEach(i -> limiter.tryAcquire(CLIENT));
        for (int second = 0; second < 60; second++) {
            limiter.tryAcquire(CLIENT);
            ticker.advance(Duration.ofSeconds(1));
        }

        assertThat(limiter.tryAcquire(CLIENT)).isTrue();
    }

    @Test
    void zeroPermitsMeansNoLimit() {
        ClientRateLimiter unlimited = new ClientRateLimiter(0, Duration.ofSeconds(60), ticker);

        assertThat(IntStream.range(0, 1000).mapToObj(i -> unlimited.tryAcquire(CLIENT))).containsOnly(true);
    }
}
