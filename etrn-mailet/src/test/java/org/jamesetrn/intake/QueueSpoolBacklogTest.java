package org.jamesetrn.intake;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.RawMailQueueItemDecoratorFactory;
import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.apache.mailet.base.test.FakeMail;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.google.inject.Guice;
import com.google.inject.name.Names;

import reactor.core.publisher.Flux;

class QueueSpoolBacklogTest {
    private final MemoryMailQueueFactory queues = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
    private final QueueSpoolBacklog backlog = new QueueSpoolBacklog(queues, Guice.createInjector());

    @AfterEach
    void clean() {
        queues.clean();
    }

    @Test
    void noSpoolYetIsNoBacklog() {
        assertThat(backlog.waitingMails()).isZero();
    }

    @Test
    void countsTheMailsWaitingInTheSpoolUntilTheyAreProcessed() throws Exception {
        MailQueue spool = queues.createQueue(MailQueueFactory.SPOOL);
        for (int i = 0; i < 3; i++) {
            spool.enQueue(FakeMail.builder().name("mail" + i).recipient("a@held.test").build());
        }
        // another queue's mail is not the spool's
        queues.createQueue(org.apache.james.queue.api.MailQueueName.of("outgoing"))
            .enQueue(FakeMail.builder().name("relayed").recipient("a@elsewhere.test").build());

        assertThat(backlog.waitingMails()).isEqualTo(3);

        MailQueue.MailQueueItem taken = Flux.from(spool.deQueue()).blockFirst();
        taken.done(MailQueue.MailQueueItem.CompletionStatus.SUCCESS);

        assertThat(backlog.waitingMails()).isEqualTo(2);
    }

    @Test
    void aServerThatCountsItsSpoolItselfIsAskedInstead() {
        QueueSpoolBacklog counted = new QueueSpoolBacklog(queues, Guice.createInjector(binder -> binder
            .bind(java.util.function.LongSupplier.class).annotatedWith(Names.named(QueueSpoolBacklog.WAITING_MAILS))
            .toInstance(() -> 42)));

        assertThat(counted.waitingMails()).isEqualTo(42);
    }
}
