package org.jamesetrn.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock the test moves: it stands still at {@code 2026-11-25T10:00:00Z} until {@link #forward} moves it. The unit
 * tests' one clock (this module's test jar, so the other modules' tests can use it too).
 */
public final class MovingClock extends Clock {
    private volatile Instant now = Instant.parse("2026-11-25T10:00:00Z");

    public void forward(Duration duration) {
        now = now.plus(duration);
    }

    @Override
    public ZoneOffset getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return now;
    }
}
