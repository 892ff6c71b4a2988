package org.jamesetrn.kit;

import java.util.List;

import org.apache.james.FakeSearchMailboxModule;
import org.apache.james.GuiceJamesServer;
import org.apache.james.MemoryJamesConfiguration;
import org.apache.james.MemoryJamesServerMain;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.utils.GuiceProbe;

import com.google.inject.multibindings.Multibinder;

/**
 * The stock James memory server ({@code MemoryJamesServerMain}'s modules) started inside this JVM on a
 * {@link JamesInstance}, with two test overrides: a DNS of the caller's (so no mail can leave the machine) and Guice
 * probes, through which a test reads the server's state. James loads the extension from the instance's
 * extensions-jars/, as in production. Needs James on the classpath: the tests use it, the benchmark never does.
 */
public final class InProcessJames implements AutoCloseable {
    private final JamesInstance instance;
    private final GuiceJamesServer server;

    private InProcessJames(JamesInstance instance, GuiceJamesServer server) {
        this.instance = instance;
        this.server = server;
    }

    /** Boots James (about 20 s in a cold JVM, a few seconds after that); a server that fails to start is stopped. */
    public static InProcessJames start(JamesInstance instance, DNSService dns, List<Class<? extends GuiceProbe>> probes)
        throws Exception {
        MemoryJamesConfiguration configuration = MemoryJamesConfiguration.builder()
            .workingDirectory(instance.directory().toFile())
            .build();
        GuiceJamesServer server = MemoryJamesServerMain.createServer(configuration)
            .combineWith(new FakeSearchMailboxModule())
            .overrideWith(binder -> binder.bind(DNSService.class).toInstance(dns))
            .overrideWith(binder -> probes.forEach(probe ->
                Multibinder.newSetBinder(binder, GuiceProbe.class).addBinding().to(probe)));
        try {
            server.start();
        } catch (Exception | Error e) {
            server.stop();
            throw e;
        }
        return new InProcessJames(instance, server);
    }

    public JamesInstance instance() {
        return instance;
    }

    public <T extends GuiceProbe> T probe(Class<T> type) {
        return server.getProbe(type);
    }

    /** Stops the server; the instance folder stays. */
    @Override
    public void close() {
        server.stop();
    }
}
