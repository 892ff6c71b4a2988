package org.jamesetrn.protocol;

import com.google.common.base.Ticker;

import io.github.bucket4j.TimeMeter;

/** Lets bucket4j read the same clock as the Guava cache that holds the buckets (a manual one in tests). */
final class TickerTimeMeter implements TimeMeter {
    private final Ticker ticker;

    TickerTimeMeter(Ticker ticker) {
        this.ticker = ticker;
    }

    @Override
    public long currentTimeNanos() {
        return ticker.read();
    }

    @Override
    public boolean isWallClockBased() {
        // Nanosecond ticks from an arbitrary origin (System.nanoTime()), not epoch time.
        return false;
    }
}
