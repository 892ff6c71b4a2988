package org.jamesetrn.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void doublesFromTheFirstDelayUpToTheLongest() {
        Backoff backoff = Backoff.of(6, Duration.ofMinutes(1), Duration.ofMinutes(5));

        assertThat(backoff.delayAfter(1)).isEqualTo(Duration.ofMinutes(1));
        assertThat(backoff.delayAfter(2)).isEqualTo(Duration.ofMinutes(2));
        assertThat(backoff.delayAfter(3)).isEqualTo(Duration.ofMinutes(4));
        assertThat(backoff.delayAfter(4)).isEqualTo(Duration.ofMinutes(5));
        assertThat(backoff.delayAfter(1000)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void boundedNumberOfAttempts() {
        Backoff backoff = Backoff.of(3, Duration.ofSeconds(1), Duration.ofSeconds(1));

        assertThat(backoff.allowsRetryAfter(1)).isTrue();
        assertThat(backoff.allowsRetryAfter(2)).isTrue();
        assertThat(backoff.allowsRetryAfter(3)).isFalse();
        assertThat(Backoff.of(1, Duration.ofSeconds(1), Duration.ofSeconds(1)).allowsRetryAfter(1)).isFalse();
    }
}
