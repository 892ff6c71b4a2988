package org.jamesetrn.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import com.google.common.net.InetAddresses;

/** 3 permits per minute: a burst of 3, then one token every 20 s, never more than 3 saved up. */
class ClientRateLimiterTest {
    private static final InetAddress CLIENT = InetAddresses.forString("192.0.2.1");
    private static final InetAddress OTHER = InetAddresses.forString("2001:db8::1");

    private final ManualTicker ticker = new ManualTicker();
    private final ClientRateLimiter limiter = new ClientRateLimiter(3, Duration.ofSeconds(60), ticker);

    private long granted(int attempts) {
        return IntStream.range(0, attempts).filter(i -> limiter.tryAcquire(CLIENT)).count();
    }

    @Test
    void allowsABurstOfPermitsThenRefuses() {
        assertThat(granted(3)).isEqualTo(3);
        assertThat(limiter.tryAcquire(CLIENT)).isFalse();
        assertThat(limiter.tryAcquire(CLIENT)).isFalse();
    }

    @Test
    void countsEachClientAddressApart() {
        granted(3);

        assertThat(limiter.tryAcquire(CLIENT)).isFalse();
        assertThat(limiter.tryAcquire(OTHER)).isTrue();
    }

    @Test
    void refillsOneTokenPerPeriodOverPermits() {
        granted(3);
        ticker.advance(Duration.ofSeconds(19));
        assertThat(limiter.tryAcquire(CLIENT)).isFalse();

        ticker.advance(Duration.ofSeconds(1));
        assertThat(limiter.tryAcquire(CLIENT)).isTrue();
        assertThat(limiter.tryAcquire(CLIENT)).isFalse();
    }

    @Test
    void aSteadyClientGetsPermitsPerPeriod() {
        granted(3);
        long steady = 0;
        for (int second = 0; second < 600; second++) {
            ticker.advance(Duration.ofSeconds(1));
            steady += granted(5);
        }

        assertThat(steady).isEqualTo(30);
    }

    @Test
    void refusedRequestsUseNoTokens() {
        granted(3);
        for (int second = 0; second < 20; second++) {
            limiter.tryAcquire(CLIENT);
            ticker.advance(Duration.ofSeconds(1));
        }

        assertThat(limiter.tryAcquire(CLIENT)).isTrue();
    }

    @Test
    void anIdleClientSavesUpAtMostOneBurst() {
        granted(3);
        ticker.advance(Duration.ofSeconds(30));
        granted(1);
        ticker.advance(Duration.ofHours(2));

        assertThat(granted(10)).isEqualTo(3);
    }

    @Test
    void zeroPermitsMeansNoLimit() {
        ClientRateLimiter unlimited = new ClientRateLimiter(0, Duration.ofSeconds(60), ticker);

        assertThat(IntStream.range(0, 1000).mapToObj(i -> unlimited.tryAcquire(CLIENT))).containsOnly(true);
    }
}
