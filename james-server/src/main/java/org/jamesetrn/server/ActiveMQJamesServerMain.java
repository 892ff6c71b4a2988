package org.jamesetrn.server;

import org.apache.james.ExtraProperties;
import org.apache.james.FakeSearchMailboxModule;
import org.apache.james.GuiceJamesServer;
import org.apache.james.JamesServerMain;
import org.apache.james.MemoryJamesConfiguration;
import org.apache.james.MemoryJamesServerMain;
import org.apache.james.modules.RunArgumentsModule;
import org.apache.james.modules.server.JMXServerModule;

/**
 * A persistent James for ETRN: the stock James 3.8.1 memory server (the modules {@link MemoryJamesServerMain}
 * combines, started the same way) with its mail queue in James's embedded ActiveMQ broker instead of memory
 * ({@link EmbeddedActiveMQModule}), its state under the working directory ({@code var/store/activemq}). James's own
 * JPA and Cassandra servers queue mail the same way, but their application jars and James's ActiveMQ Guice module are
 * not published on Maven Central for 3.8.1; this assembly is built from published jars only, as James's
 * {@code examples/custom-james-assembly} is. Not part of the ETRN extension: the extension loads into it from
 * {@code extensions-jars/} exactly as into any James.
 */
public final class ActiveMQJamesServerMain implements JamesServerMain {
    private ActiveMQJamesServerMain() {
    }

    public static void main(String[] args) throws Exception {
        ExtraProperties.initialize();
        MemoryJamesConfiguration configuration = MemoryJamesConfiguration.builder()
            .useWorkingDirectoryEnvProperty()
            .build();
        GuiceJamesServer server = createServer(configuration)
            .combineWith(new FakeSearchMailboxModule(), new JMXServerModule())
            .overrideWith(new RunArgumentsModule(args));
        JamesServerMain.main(server);
    }

    /** The memory server's modules, the mail queue overridden by James's ActiveMQ queue. */
    public static GuiceJamesServer createServer(MemoryJamesConfiguration configuration) {
        return MemoryJamesServerMain.createServer(configuration)
            .overrideWith(new EmbeddedActiveMQModule());
    }
}
