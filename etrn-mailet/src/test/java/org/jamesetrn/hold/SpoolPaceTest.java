package org.jamesetrn.hold;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.api.RawMailQueueItemDecoratorFactory;
import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.apache.mailet.base.test.FakeMail;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import reactor.core.publisher.Flux;

class SpoolPaceTest {
    private final MemoryMailQueueFactory queues = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());

    @AfterEach
    void clean() {
        queues.clean();
    }

    @Test
    void aReleaseWaitsWhileTheMemorySpoolIsFullAndGoesOnOnceItDrains() throws Exception {
        ManageableMailQueue spool = queues.createQueue(MailQueueFactory.SPOOL);
        fill(spool, SpoolPace.ROOM + 4);
        SpoolPace pace = SpoolPace.of(queues);
        assertThat(pace.paces()).isTrue();

        CompletableFuture<Void> copy = CompletableFuture.runAsync(pace::awaitRoom);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofMillis(600)).until(() -> !copy.isDone());

        Flux.from(spool.deQueue()).take(5).doOnNext(SpoolPaceTest::done).blockLast(Duration.ofSeconds(5));
        await().atMost(Duration.ofMillis(500)).until(copy::isDone);
    }

    @Test
    void aSpoolKeptFullByOtherMailSlowsTheReleaseDownButNeverStopsIt() throws Exception {
        fill(queues.createQueue(MailQueueFactory.SPOOL), SpoolPace.ROOM * 2);
        SpoolPace pace = SpoolPace.of(queues);

        CompletableFuture<Void> copy = CompletableFuture.runAsync(pace::awaitRoom);
        await().atMost(SpoolPace.MAX_WAIT.plusSeconds(2)).until(copy::isDone);
    }

    @Test
    void aSpoolWithRoomDoesNotHoldTheCopy() throws Exception {
        fill(queues.createQueue(MailQueueFactory.SPOOL), SpoolPace.ROOM - 1);
        CompletableFuture<Void> copy = CompletableFuture.runAsync(SpoolPace.of(queues)::awaitRoom);
        await().atMost(Duration.ofMillis(200)).until(copy::isDone);
    }

    @Test
    void theSpoolIsLookedUpAtTheFirstCopyNotWhenTheHoldsAreCreated() throws Exception {
        SpoolPace pace = SpoolPace.of(queues);
        assertThat(pace.paces()).as("no spool yet").isFalse();

        fill(queues.createQueue(MailQueueFactory.SPOOL), SpoolPace.ROOM + 4);
        assertThat(pace.paces()).isTrue();
        CompletableFuture<Void> copy = CompletableFuture.runAsync(pace::awaitRoom);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofMillis(600)).until(() -> !copy.isDone());
    }

    @Test
    void withoutQueuesNothingIsPaced() {
        assertThat(SpoolPace.NONE.paces()).isFalse();
    }

    private static void done(MailQueue.MailQueueItem item) {
        try {
            item.done(MailQueue.MailQueueItem.CompletionStatus.SUCCESS);
        } catch (MailQueue.MailQueueException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void fill(MailQueue spool, int mails) throws Exception {
        for (int i = 0; i < mails; i++) {
            spool.enQueue(FakeMail.builder().name("spooled-" + i).build());
        }
    }
}
