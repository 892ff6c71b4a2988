package org.jamesetrn.server.cassandra;

import org.apache.james.ExtraProperties;
import org.apache.james.FakeSearchMailboxModule;
import org.apache.james.GuiceJamesServer;
import org.apache.james.JamesServerMain;
import org.apache.james.MemoryJamesConfiguration;
import org.apache.james.MemoryJamesServerMain;
import org.apache.james.modules.RunArgumentsModule;
import org.apache.james.modules.server.JMXServerModule;
import org.jamesetrn.server.rabbitmq.RabbitMQQueueModule;

/**
 * The cluster server of docs/cluster.md: James 3.8.1's memory server (the modules of {@code MemoryJamesServerMain},
 * run the same way) whose mail repositories may also be James's Cassandra ones ({@code cassandra://}), the repository
 * URL store kept in Cassandra, and whose mail queues are James's distributed queue ({@link RabbitMQQueueModule}:
 * RabbitMQ, the contents in Cassandra). Several of them on one Cassandra and one RabbitMQ share the ETRN hold and the
 * queues: mail held through one is released by an ETRN on any, and mail accepted by one is processed by whichever
 * takes it from the queue, the others if it died. Mailboxes, users and domains stay each server's own, in memory.
 */
public final class ClusterJamesServerMain implements JamesServerMain {
    private ClusterJamesServerMain() {
    }

    public static void main(String[] args) throws Exception {
        ExtraProperties.initialize();
        MemoryJamesConfiguration configuration = MemoryJamesConfiguration.builder()
            .useWorkingDirectoryEnvProperty()
            .build();
        LOGGER.info("Loading configuration {}", configuration);
        GuiceJamesServer server = createServer(configuration)
            .combineWith(new FakeSearchMailboxModule(), new JMXServerModule())
            .overrideWith(new RunArgumentsModule(args));
        JamesServerMain.main(server);
    }

    /**
     * The memory server with James's Cassandra mail repository, the URL store shared through Cassandra, and the mail
     * queues in RabbitMQ.
     */
    public static GuiceJamesServer createServer(MemoryJamesConfiguration configuration) {
        return MemoryJamesServerMain.createServer(configuration)
            .combineWith(new CassandraHoldModule())
            .overrideWith(CassandraHoldModule.URL_STORE, new RabbitMQQueueModule());
    }
}
