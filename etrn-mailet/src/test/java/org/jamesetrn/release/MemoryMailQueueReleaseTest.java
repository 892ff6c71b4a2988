package org.jamesetrn.release;

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
import org.junit.jupiter.api.Test;

class MemoryMailQueueReleaseTest extends DeferredMailReleaseContract {
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
    void mailTheQueueCannotCopyStaysDeferredAndUnchanged() throws Exception {
        defer(outgoing, TestMails.deferredMail("stuck", 2, "a@customer.test"));
        AtomicBoolean failing = new AtomicBoolean(true);
        // The memory queue keeps the Mail object: make its content unreadable, so that re-enqueueing (a copy) fails.
        MailImpl stored = (MailImpl) QueueContents.of(outgoing).mail("stuck");
        stored.setMessageContent(new TestMails.TestSource("stuck", failing));

        long count = release.release(Node.domain("customer.test")).get(10, TimeUnit.SECONDS);
        await().until(release::idle);

        assertThat(count).isEqualTo(1);
        assertThat(metrics.countFor(MailQueueRelease.FAILURES_METRIC)).isEqualTo(1);
        QueueContents contents = QueueContents.of(outgoing);
        assertThat(contents.deferred()).containsExactly("stuck");
        assertThat(contents.mail("stuck").getAttribute(ReleaseAttributes.DELIVERY_RETRY_COUNT))
            .contains(new Attribute(ReleaseAttributes.DELIVERY_RETRY_COUNT, AttributeValue.of(2)));

        failing.set(false);
        assertThat(releaseAndWait(Node.domain("customer.test"))).isEqualTo(1);
        assertThat(QueueContents.of(outgoing).due()).containsExactly("stuck");
    }
}
