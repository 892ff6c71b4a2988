package org.jamesetrn.release.queue;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.LinkedBlockingQueue;

import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.junit.jupiter.api.Test;

/** The memory path reaches private members of James 3.8.1's queue: James must not start when they are not there. */
class MemoryQueueCheckTest {
    /** What a later James could have made of the queue: the items in another kind of collection. */
    static final class ReshapedQueue {
        private final LinkedBlockingQueue<Delayed> mailItems = new LinkedBlockingQueue<>();
        private final Clock clock = Clock.systemUTC();
    }

    /** A queue whose items live under another name. */
    static final class RenamedQueue {
        private final DelayQueue<Delayed> items = new DelayQueue<>();
    }

    @Test
    void jamesOwnMemoryQueueIsSupported() throws Exception {
        Class<?> queueClass = Class.forName(QueueClasses.MEMORY_QUEUE, false, MemoryMailQueueFactory.class.getClassLoader());

        assertThatCode(() -> MemoryQueueSource.checkSupported(queueClass)).doesNotThrowAnyException();
    }

    @Test
    void aQueueWithoutTheItemsFieldStopsJamesNamingTheClassAndItsJamesVersion() {
        assertThatThrownBy(() -> MemoryQueueSource.checkSupported(RenamedQueue.class))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining(RenamedQueue.class.getName())
            .hasMessageContaining("(James of unknown version)")
            .hasMessageContaining("has no field 'mailItems' of type java.util.concurrent.DelayQueue")
            .hasMessageContaining("supports that version only")
            .hasMessageContaining("James 3.8.1");
    }

    @Test
    void aQueueWhoseItemsAreNotADelayQueueStopsJames() {
        assertThatThrownBy(() -> MemoryQueueSource.checkSupported(ReshapedQueue.class))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("has a field 'mailItems' of type java.util.concurrent.LinkedBlockingQueue, not java.util.concurrent.DelayQueue");
    }

    @Test
    void theVersionInTheMessageIsTheOneInJamesJar() {
        assertThatThrownBy(() -> { throw QueueClasses.unsupported(MemoryMailQueueFactory.class, "is tested", null); })
            .hasMessageContaining(MemoryMailQueueFactory.class.getName() + " (James 3.8.1) is tested");
    }
}
