package org.jamesetrn.hold;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.jamesetrn.testing.MovingClock;
import org.junit.jupiter.api.Test;

class MemoryReleaseClaimsTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    private final MovingClock clock = new MovingClock();
    private final MemoryReleaseClaims claims = new MemoryReleaseClaims(TIMEOUT, clock);

    @Test
    void oneClaimWinsUntilItIsAbandoned() {
        assertThat(claims.claim("g", "first")).isTrue();
        assertThat(claims.claim("g", "second")).isFalse();
        assertThat(claims.isHeldBy("g", "first")).isTrue();
        assertThat(claims.isHeldBy("g", "second")).isFalse();

        claims.abandon("g", "second"); // not its claim: nothing happens
        assertThat(claims.isHeldBy("g", "first")).isTrue();

        claims.abandon("g", "first");
        assertThat(claims.claim("g", "second")).isTrue();
    }

    @Test
    void anEndedMailCannotBeClaimedAgainWhileItsTombstoneLasts() {
        assertThat(claims.claim("g", "first")).isTrue();
        claims.end("g");

        assertThat(claims.isEnded("g")).isTrue();
        assertThat(claims.isHeldBy("g", "first")).isFalse();
        assertThat(claims.claim("g", "late duplicate")).isFalse();
        claims.abandon("g", "first");
        assertThat(claims.claim("g", "late duplicate")).isFalse();

        clock.forward(TIMEOUT.plusSeconds(1));
        assertThat(claims.claim("other", "x")).isTrue(); // purges
        assertThat(claims.isEnded("g")).as("remembered longer than a claim").isTrue();
        assertThat(ReleaseClaims.TOMBSTONE).as("and than retention leaves between two full passes (leftovers)")
            .isGreaterThan(HoldRetention.FULL_PASS);

        clock.forward(ReleaseClaims.TOMBSTONE);
        assertThat(claims.claim("other", "y")).isTrue(); // purges
        assertThat(claims.isEnded("g")).isFalse();
    }

    @Test
    void aClaimHandedOverBelongsToItsNewHolderOnly() {
        assertThat(claims.claim("g", "release")).isTrue();
        assertThat(claims.handOver("g", "release", "attempt")).isTrue();

        assertThat(claims.isHeldBy("g", "attempt")).isTrue();
        assertThat(claims.handOver("g", "release", "another attempt")).as("moved on already").isFalse();
        assertThat(claims.renew("g", "release")).isFalse();
        assertThat(claims.renew("g", "attempt")).isTrue();

        claims.end("g");
        assertThat(claims.handOver("g", "attempt", "late")).isFalse();
        assertThat(claims.handOver("unclaimed", "any", "late")).isFalse();
    }

    @Test
    void aRenewedClaimOutlivesItsTimeoutAndALapsedOneCannotBeRenewed() {
        assertThat(claims.claim("g", "first")).isTrue();
        for (int round = 0; round < 4; round++) {
            clock.forward(TIMEOUT.dividedBy(3));
            assertThat(claims.renew("g", "first")).isTrue();
        }
        assertThat(claims.isHeldBy("g", "first")).isTrue();
        assertThat(claims.renew("g", "second")).isFalse();

        clock.forward(TIMEOUT);
        assertThat(claims.renew("g", "first")).as("lapsed").isFalse();
        assertThat(claims.claim("g", "second")).isTrue();
    }

    @Test
    void anEndedAttemptKeepsItsVerdict() {
        assertThat(claims.claim("g", "first")).isTrue();
        assertThat(claims.verdict("g")).isEmpty();

        claims.end("g", org.jamesetrn.release.ProbeOutcome.TEMPORARY_FAILURE);

        assertThat(claims.verdict("g")).contains(org.jamesetrn.release.ProbeOutcome.TEMPORARY_FAILURE);
        claims.end("h");
        assertThat(claims.verdict("h")).isEmpty();
    }

    @Test
    void aClaimWithoutNewsExpiresSoThatTheMailIsReleasedAgain() {
        assertThat(claims.claim("g", "lost with a crash")).isTrue();

        clock.forward(TIMEOUT.minusSeconds(1));
        assertThat(claims.claim("g", "next")).isFalse();

        clock.forward(Duration.ofSeconds(1));
        assertThat(claims.isHeldBy("g", "lost with a crash")).isFalse();
        assertThat(claims.claim("g", "next")).isTrue();
    }

    @Test
    void endingAnUnclaimedMailLeavesATombstoneToo() {
        claims.end("g");

        assertThat(claims.isEnded("g")).isTrue();
        assertThat(claims.claim("g", "any")).isFalse();
    }
}
