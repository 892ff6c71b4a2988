package org.jamesetrn.release.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.api.RawMailQueueItemDecoratorFactory;
import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.ProbeOutcomes;
import org.jamesetrn.release.Release;
import org.jamesetrn.release.ReleaseConfiguration;
import org.jamesetrn.release.ReleaseEngine;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;

/**
 * Not a default test (surefire excludes the "benchmark" tag): releasing a node's 1,000 deferred mails among 100,000
 * queued ones on the memory queue. Run with
 * {@code mvn -pl etrn-mailet verify -Detrn.excludedGroups= -Dgroups=benchmark -Dtest=ReleaseBenchmark}.
 */
@Tag("benchmark")
class ReleaseBenchmark {
    private static final Logger LOGGER = LoggerFactory.getLogger(ReleaseBenchmark.class);
    private static final int QUEUED = 100_000;
    private static final int NODE_MAILS = 1_000;
    private static final int ROUNDS = 7;

    @Test
    void releaseOneNodeAmongAHundredThousandQueuedMails() throws Exception {
        MemoryMailQueueFactory factory = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
        ManageableMailQueue queue = factory.createQueue(MailQueueName.of("outgoing"));
        ReleaseConfiguration configuration = ReleaseConfiguration.builder().queues(ImmutableList.of(queue.getName())).build();
        ReleaseEngine release = new ReleaseEngine(ImmutableSet.of(new QueueSources(factory, configuration, Optional.empty())),
            new ProbeOutcomes(), new RecordingMetricFactory(), configuration);
        try {
            for (int i = 0; i < QUEUED - NODE_MAILS; i++) {
                queue.enQueue(TestMails.deferredMail("other-" + i, 1, "a@other" + (i % 5000) + ".test"), Duration.ofHours(1));
            }
            List<Long> countMicros = new ArrayList<>();
            List<Long> totalMicros = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                for (int i = 0; i < NODE_MAILS; i++) {
                    queue.enQueue(TestMails.deferredMail("node-" + round + "-" + i, 2, "a@customer.test"), Duration.ofHours(1));
                }
                long start = System.nanoTime();
                Release started = release.release(Node.domain("customer.test"));
                long count = started.counted().get(30, TimeUnit.SECONDS);
                long counted = System.nanoTime();
                started.dispatched().get(30, TimeUnit.SECONDS);
                long done = System.nanoTime();
                assertThat(count).isEqualTo(NODE_MAILS);
                countMicros.add((counted - start) / 1000);
                totalMicros.add((done - start) / 1000);
                // RemoteDelivery would take them: clear the released ones so that every round sees 100,000 queued.
                queue.remove(ManageableMailQueue.Type.Recipient, "a@customer.test");
            }
            Collections.sort(countMicros);
            Collections.sort(totalMicros);
            long medianCount = countMicros.get(ROUNDS / 2);
            long medianTotal = totalMicros.get(ROUNDS / 2);
            LOGGER.info("release of {} among {} queued: count known after {} us (median, {} ns per queued mail), "
                    + "all re-enqueued after {} us (median); rounds count={} total={}",
                NODE_MAILS, QUEUED, medianCount, medianCount * 1000 / QUEUED, medianTotal, countMicros, totalMicros);
        } finally {
            release.close();
            factory.clean();
        }
    }
}
