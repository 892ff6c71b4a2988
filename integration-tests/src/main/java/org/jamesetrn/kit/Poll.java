package org.jamesetrn.kit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waiting for a condition with a deadline, for code that cannot use Awaitility: the kit's launchers and the
 * benchmark, which run on the JDK alone. Tests wait with Awaitility.
 */
public final class Poll {
    private Poll() {
    }

    /**
     * Checks {@code condition} every {@code interval} until it holds (true) or {@code timeout} has passed (false).
     */
    public static boolean until(Duration timeout, Duration interval, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(interval.toMillis(), (int) (interval.toNanos() % 1_000_000));
        }
        return true;
    }
}
