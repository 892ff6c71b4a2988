package org.jamesetrn.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class InFlowPacerTest {
    @Test
    void aBacklogAtTheLimitDoesNotWait() {
        AtomicInteger counts = new AtomicInteger();
        InFlowPacer pacer = new InFlowPacer(() -> {
            counts.incrementAndGet();
            return 100;
        }, 100, Duration.ofSeconds(30));

        assertThat(pacer.pace()).isLessThan(Duration.ofSeconds(30));
        assertThat(counts).hasValue(1);
    }

    @Test
    void aMailWaitsUntilTheSpoolIsBackUnderItsLimit() {
        AtomicLong backlog = new AtomicLong(500);
        AtomicInteger counts = new AtomicInteger();
        InFlowPacer pacer = new InFlowPacer(() -> {
            // the spool drains by 100 mails between two counts
            counts.incrementAndGet();
            return backlog.getAndAdd(-100);
        }, 100, Duration.ofSeconds(30));

        Duration waited = pacer.pace();

        // counted at 500, 400, 300, 200, then 100: it went on at the fifth count, long before the 30 s
        assertThat(counts).hasValue(5);
        assertThat(waited).isGreaterThanOrEqualTo(InFlowPacer.RECOUNT.multipliedBy(4)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void aSpoolThatDoesNotDrainDelaysEachMailByTheMostThenLetsItIn() {
        InFlowPacer pacer = new InFlowPacer(() -> 10_000, 100, Duration.ofMillis(300));

        assertThat(pacer.pace()).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void noDelayConfiguredNeverCounts() {
        AtomicInteger counts = new AtomicInteger();
        InFlowPacer pacer = new InFlowPacer(() -> {
            counts.incrementAndGet();
            return 10_000;
        }, 100, Duration.ZERO);

        assertThat(pacer.pace()).isZero();
        assertThat(counts).hasValue(0);
        assertThat(pacer.enabled()).isFalse();
    }

    @Test
    void sessionsWaitingTogetherShareOneCount() {
        AtomicInteger counts = new AtomicInteger();
        InFlowPacer pacer = new InFlowPacer(() -> {
            counts.incrementAndGet();
            return 10_000;
        }, 100, Duration.ofMillis(500));

        ExecutorService threads = Executors.newFixedThreadPool(20);
        try {
            List<CompletableFuture<Duration>> sessions = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                sessions.add(CompletableFuture.supplyAsync(pacer::pace, threads));
            }
            sessions.forEach(CompletableFuture::join);
        } finally {
            threads.shutdownNow();
        }

        // 20 sessions, each looking every 50 ms for 500 ms: about 10 counts in all, not 200
        assertThat(counts.get()).isLessThan(40);
    }
}
