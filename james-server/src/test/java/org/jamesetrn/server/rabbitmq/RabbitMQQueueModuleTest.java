package org.jamesetrn.server.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import org.jamesetrn.intake.QueueSpoolBacklog;
import org.junit.jupiter.api.Test;

class RabbitMQQueueModuleTest {
    /** The server cannot see the extension's constant at run time (extensions-jars/): the two names must agree. */
    @Test
    void theSpoolCountIsBoundUnderTheNameTheExtensionLooksUp() {
        assertThat(RabbitMQQueueModule.SPOOL_WAITING_MAILS).isEqualTo(QueueSpoolBacklog.WAITING_MAILS);
    }
}
