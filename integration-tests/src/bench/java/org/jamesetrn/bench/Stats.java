package org.jamesetrn.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Samples in nanoseconds; median and p99 by nearest rank. */
final class Stats {
    private final List<Long> samples = new ArrayList<>();

    void add(long nanos) {
        samples.add(nanos);
    }

    List<Long> samples() {
        return Collections.unmodifiableList(samples);
    }

    int count() {
        return samples.size();
    }

    boolean isEmpty() {
        return samples.isEmpty();
    }

    double medianMillis() {
        return percentileMillis(50);
    }

    double p99Millis() {
        return percentileMillis(99);
    }

    double percentileMillis(double percentile) {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        List<Long> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1)) / 1e6;
    }

    /** "median / p99" in a unit that reads well. */
    String format() {
        if (samples.isEmpty()) {
            return "n/a";
        }
        return ms(medianMillis()) + " / " + ms(p99Millis());
    }

    static String ms(double millis) {
        if (Double.isNaN(millis)) {
            return "n/a";
        }
        if (millis >= 1000) {
            return String.format(Locale.ROOT, "%.2f s", millis / 1000);
        }
        if (millis >= 10) {
            return String.format(Locale.ROOT, "%.0f ms", millis);
        }
        return String.format(Locale.ROOT, "%.2f ms", millis);
    }
}
