package org.jamesetrn.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.SmtpClient;
import org.jamesetrn.kit.Trees;
import org.apache.james.FakeSearchMailboxModule;
import org.apache.james.GuiceJamesServer;
import org.apache.james.MemoryJamesConfiguration;
import org.apache.james.MemoryJamesServerMain;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.utils.DataProbeImpl;
import org.apache.james.utils.GuiceProbe;

import com.google.inject.multibindings.Multibinder;

/**
 * The relay under test: the stock James 3.8.1 memory server (MemoryJamesServerMain's modules), started in-process
 * on a temporary working directory laid out as an admin lays it out: conf/ copied from the repository with only
 * test overrides, and our built jars in extensions-jars/ (they are not on the test classpath).
 *
 * <p>Routing (conf/mailetcontainer.xml as shipped): customer.test through queue {@value #SMARTHOST_QUEUE} to the
 * gateway, whose port the tests point at the customer MX; every other domain through queue {@value #DNS_QUEUE} to
 * its MX in {@link TestDns}. RemoteDelivery keeps the shipped 1 hour first retry delay and 5 retries.
 */
public final class EtrnRelay implements AutoCloseable {
    public static final String SMARTHOST_QUEUE = "outgoing-smarthost";
    public static final String DNS_QUEUE = "outgoing";
    public static final List<String> QUEUES = List.of(SMARTHOST_QUEUE, DNS_QUEUE);
    public static final String SENDER = "sender@sender.test";
    /** A client connecting from this address is outside the relay's networks (see authorizedAddresses). */
    public static final String OUTSIDE_CLIENT = "127.0.0.2";

    /**
     * The ETRN options of the shipped handler element, as the tests set them: customer.test with its subdomains and
     * other.test are served, unlisted.test is not; guarded.test only for a network the tests never connect from.
     */
    static final String HANDLER_OPTIONS = ""
        + "<allowRelayingClients>true</allowRelayingClients>"
        + "<allowAuthenticatedUsers>true</allowAuthenticatedUsers>"
        + "<allowedNetworks></allowedNetworks>"
        + "<nodes>@customer.test, other.test, guarded.test</nodes>"
        + "<queues>" + SMARTHOST_QUEUE + "</queues>"
        + "<node name=\"guarded.test\"><networks>192.0.2.0/24</networks></node>"
        + "<replies>detailed</replies>"
        // Every test connects from 127.0.0.1: enough permits for the whole run, yet a limit as in production.
        + "<rateLimit><permits>1000</permits><period>60s</period></rateLimit>"
        + "<replyTimeout>2s</replyTimeout>";

    private final Path workingDirectory;
    private final GuiceJamesServer server;
    private final int smtpPort;
    private final int webAdminPort;

    private EtrnRelay(Path workingDirectory, GuiceJamesServer server, int smtpPort, int webAdminPort) {
        this.workingDirectory = workingDirectory;
        this.server = server;
        this.smtpPort = smtpPort;
        this.webAdminPort = webAdminPort;
    }

    /** The repository root: conf/, james.sh and the assembled server live there. */
    public static Path repository() {
        return Paths.get(System.getProperty("etrn.repository", "..")).toAbsolutePath().normalize();
    }

    public static EtrnRelay start(TestDns dns, int mxPort) throws Exception {
        return start(dns, mxPort, HANDLER_OPTIONS);
    }

    /**
     * A relay whose ETRN handler has the given options (an XML fragment replacing the handler element's content),
     * for tests of one option (rate limit, private replies); James boots again in the same JVM in about a second.
     */
    public static EtrnRelay start(TestDns dns, int mxPort, String handlerOptions) throws Exception {
        Path workingDirectory = Files.createTempDirectory("james-etrn-e2e");
        int smtpPort = Ports.free();
        int webAdminPort = Ports.free();
        AdminConf.copy(repository().resolve("conf"), workingDirectory)
            .setElement("smtpserver.xml", "bind", "127.0.0.1:" + smtpPort)
            // Only 127.0.0.1 relays, so that a client on 127.0.0.2 plays one from another network.
            .setElement("smtpserver.xml", "authorizedAddresses", "127.0.0.1/32")
            .etrnHandlerOptions(handlerOptions)
            .setElement("mailetcontainer.xml", "gatewayPort", String.valueOf(mxPort))
            .setProperty("webadmin.properties", "port", String.valueOf(webAdminPort));
        Trees.copy(repository().resolve("james-server/target/james/extensions-jars"),
            workingDirectory.resolve("extensions-jars"));

        MemoryJamesConfiguration configuration = MemoryJamesConfiguration.builder()
            .workingDirectory(workingDirectory.toFile())
            .build();
        GuiceJamesServer server = MemoryJamesServerMain.createServer(configuration)
            .combineWith(new FakeSearchMailboxModule())
            .overrideWith(binder -> binder.bind(DNSService.class).toInstance(dns))
            .overrideWith(binder -> Multibinder.newSetBinder(binder, GuiceProbe.class).addBinding().to(QueueProbe.class));
        try {
            server.start();
        } catch (Exception | Error e) {
            server.stop();
            Trees.delete(workingDirectory);
            throw e;
        }
        return new EtrnRelay(workingDirectory, server, smtpPort, webAdminPort);
    }

    public int smtpPort() {
        return smtpPort;
    }

    /** WebAdmin, on 127.0.0.1 as conf/webadmin.properties ships it, with the shipped extension routes. */
    public int webAdminPort() {
        return webAdminPort;
    }

    public QueueProbe queues() {
        return server.getProbe(QueueProbe.class);
    }

    /** Adds a James user, who may then authenticate with SMTP AUTH. */
    public void addUser(String user, String password) throws Exception {
        server.getProbe(DataProbeImpl.class).addUser(user, password);
    }

    public SmtpClient connect() {
        SmtpClient client = SmtpClient.connect(smtpPort);
        client.ehlo();
        return client;
    }

    /** Empties both RemoteDelivery queues, for the next test. */
    public void clearQueues() throws Exception {
        for (String queue : QUEUES) {
            queues().clear(queue);
        }
    }

    @Override
    public void close() throws IOException {
        server.stop();
        Trees.delete(workingDirectory);
    }
}
