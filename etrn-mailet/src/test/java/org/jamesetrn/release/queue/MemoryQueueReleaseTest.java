package org.jamesetrn.release.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.api.RawMailQueueItemDecoratorFactory;
import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.ReleaseEngine;
import org.junit.jupiter.api.Test;

class MemoryQueueReleaseTest extends QueueReleaseContract {
    @Override
    MailQueueFactory<? extends ManageableMailQueue> createFactory(RecordingMetricFactory metrics) {
        return new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
    }

    @Override
    void closeFactory() {
        ((MemoryMailQueueFactory) factory).clean();
    }

    @Override
    int stressMails() {
        return 3000;
    }

    @Test
    void releaseMovesTheStoredMailWithoutCopyingItsContent() throws Exception {
        defer(outgoing, TestMails.deferredMail("unreadable", 2, "a@customer.test"));
        AtomicBoolean failing = new AtomicBoolean(true);
        // The memory queue keeps the Mail object: make its content unreadable; enQueue (a copy) would fail on it.
        MailImpl stored = (MailImpl) QueueContents.of(outgoing).mail("unreadable");
        stored.setMessageContent(new TestMails.TestSource("unreadable", failing));

        assertThat(releaseAndWait(Node.domain("customer.test"))).isEqualTo(1);

        assertThat(metrics.countFor(ReleaseEngine.FAILURES_METRIC)).isZero();
        QueueContents contents = QueueContents.of(outgoing);
        assertThat(contents.due()).containsExactly("unreadable");
        assertThat(contents.mail("unreadable")).isSameAs(stored);
        assertThat(stored.getAttribute(ReleaseMarks.DELIVERY_RETRY_COUNT))
            .contains(new Attribute(ReleaseMarks.DELIVERY_RETRY_COUNT, AttributeValue.of(1)));
    }
}
