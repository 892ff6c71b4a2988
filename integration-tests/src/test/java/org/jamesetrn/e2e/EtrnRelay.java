package org.jamesetrn.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.james.utils.DataProbeImpl;
import org.jamesetrn.kit.Conf;
import org.jamesetrn.kit.EtrnExtension;
import org.jamesetrn.kit.InProcessJames;
import org.jamesetrn.kit.JamesInstance;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.Repository;
import org.jamesetrn.kit.SmtpClient;
import org.jamesetrn.kit.TestDns;
import org.jamesetrn.kit.WebAdmin;

/**
 * The relay under test: the stock James 3.8.1 memory server (MemoryJamesServerMain's modules), started in-process
 * on a temporary working directory laid out as an admin lays it out: conf/ copied from the repository with only
 * test overrides, and our built jars in extensions-jars/ (they are not on the test classpath). The kit's
 * {@link InProcessJames} boots it.
 *
 * <p>Routing (conf/mailetcontainer.xml as shipped): customer.test through queue {@value #SMARTHOST_QUEUE} to the
 * gateway, whose port the tests point at the customer MX; every other domain through queue {@value #DNS_QUEUE} to
 * its MX in {@link TestDns}. RemoteDelivery keeps the shipped 1 hour first retry delay and 5 retries.
 */
public final class EtrnRelay implements AutoCloseable {
    public static final String SMARTHOST_QUEUE = "outgoing-smarthost";
    public static final String DNS_QUEUE = "outgoing";
    public static final List<String> QUEUES = List.of(SMARTHOST_QUEUE, DNS_QUEUE);
    /** RemoteDelivery's queues of the park route and of the hold's release processor (conf/mailetcontainer.xml). */
    public static final List<String> HOLD_QUEUES = List.of("outgoing-parked", "outgoing-released", "outgoing-released-held");
    public static final String SENDER = "sender@sender.test";
    /** A client connecting from this address is outside the relay's networks (see authorizedAddresses). */
    public static final String OUTSIDE_CLIENT = "127.0.0.2";

    /**
     * The ETRN options of the shipped handler element, as the tests set them: customer.test with its subdomains and
     * other.test are served, unlisted.test is not; guarded.test only for a network the tests never connect from.
     */
    static final String HANDLER_OPTIONS = handlerOptions("2s");

    /**
     * Gives the shipped HoldForEtrn these options (XML elements) besides its root and release processor, instead of
     * the shipped ones; its failures propagate, so that a test sees them.
     */
    static void holdOptions(Conf conf, String options) {
        conf.replaceChildren("mailetcontainer.xml", "mailet", Conf.classAttribute(name -> name.endsWith(".HoldForEtrn")), ""
            + "<root>" + HoldProbe.ROOT + "</root>"
            + "<releaseProcessor>etrn-release</releaseProcessor>"
            + options
            + "<onMailetException>propagate</onMailetException>");
    }

    /** {@link #HANDLER_OPTIONS} with another wait for the count before the reply (a queue of 10,000 takes longer). */
    static String handlerOptions(String replyTimeout) {
        return ""
            + "<allowRelayingClients>true</allowRelayingClients>"
            + "<allowAuthenticatedUsers>true</allowAuthenticatedUsers>"
            + "<allowedNetworks></allowedNetworks>"
            + "<nodes>@customer.test, other.test, guarded.test, held.test, parked.test</nodes>"
            + "<queues>" + SMARTHOST_QUEUE + "</queues>"
            + "<node name=\"guarded.test\"><networks>192.0.2.0/24</networks></node>"
            + "<replies>detailed</replies>"
            // Every test connects from 127.0.0.1: enough permits for the whole run, yet a limit as in production.
            + "<rateLimit><permits>1000</permits><period>60s</period></rateLimit>"
            + "<replyTimeout>" + replyTimeout + "</replyTimeout>";
    }

    private final InProcessJames james;

    private EtrnRelay(InProcessJames james) {
        this.james = james;
    }

    public static EtrnRelay start(TestDns dns, int mxPort) throws Exception {
        return start(dns, mxPort, HANDLER_OPTIONS);
    }

    /**
     * A relay whose ETRN handler has the given options (an XML fragment replacing the handler element's content),
     * for tests of one option (rate limit, private replies); James boots again in the same JVM in about a second.
     */
    public static EtrnRelay start(TestDns dns, int mxPort, String handlerOptions) throws Exception {
        return start(dns, mxPort, handlerOptions, conf -> { });
    }

    /** The same, with more edits of conf/ (for tests of the hold's retention settings). */
    public static EtrnRelay start(TestDns dns, int mxPort, String handlerOptions, Consumer<Conf> edits) throws Exception {
        Repository repository = Repository.underTest();
        JamesInstance instance = JamesInstance.create(Files.createTempDirectory("james-etrn-e2e"), repository.conf())
            .listenOn(Ports.free(), Ports.free())
            .gatewayPort(mxPort);
        // Only 127.0.0.1 relays, so that a client on 127.0.0.2 plays one from another network.
        instance.conf().setElements("smtpserver.xml", "authorizedAddresses", "127.0.0.1/32");
        EtrnExtension extension = repository.extension();
        extension.setHandlerOptions(instance.conf(), handlerOptions);
        edits.accept(instance.conf());
        extension.installInto(instance);
        try {
            return new EtrnRelay(InProcessJames.start(instance, dns, List.of(QueueProbe.class, HoldProbe.class)));
        } catch (Exception | Error e) {
            instance.delete();
            throw e;
        }
    }

    public int smtpPort() {
        return james.instance().smtpPort();
    }

    /** WebAdmin, on 127.0.0.1 as conf/webadmin.properties ships it, with the shipped extension routes. */
    public int webAdminPort() {
        return james.instance().webAdminPort();
    }

    /** A client of that WebAdmin; a request may take up to 40 s (longer than the route's 30 s wait for a count). */
    public WebAdmin webAdmin() {
        return new WebAdmin(webAdminPort(), Duration.ofSeconds(40));
    }

    public QueueProbe queues() {
        return james.probe(QueueProbe.class);
    }

    public HoldProbe holds() {
        return james.probe(HoldProbe.class);
    }

    /** Adds a James user, who may then authenticate with SMTP AUTH. */
    public void addUser(String user, String password) throws Exception {
        james.probe(DataProbeImpl.class).addUser(user, password);
    }

    public SmtpClient connect() {
        return connect(smtpPort());
    }

    /** A session with the relay listening on this port (in this JVM or another), after EHLO. */
    static SmtpClient connect(int smtpPort) {
        SmtpClient client = SmtpClient.connect(smtpPort);
        client.ehlo();
        return client;
    }

    /** One ETRN on a session of its own (EHLO, ETRN, QUIT), as a customer site's client sends it. */
    public SmtpClient.Reply etrn(String node) {
        return etrn(smtpPort(), node);
    }

    /** One ETRN on a session of its own with the relay listening on this port. */
    /**
     * The mails ETRN would release for the node now, from WebAdmin's {@code GET /etrn/{node}} (every source: the holds,
     * the queues); -1 when the figures are not available (503: a store unreachable).
     */
    static long deferred(WebAdmin webAdmin, String node) throws IOException, InterruptedException {
        Matcher mails = Pattern.compile("^\\{\"node\":\"" + Pattern.quote(node) + "\",\"mails\":(\\d+),")
            .matcher(webAdmin.get("/etrn/" + node).body());
        return mails.find() ? Long.parseLong(mails.group(1)) : -1;
    }

    static SmtpClient.Reply etrn(int smtpPort, String node) {
        try (SmtpClient site = connect(smtpPort)) {
            return site.etrn(node);
        }
    }

    /** Empties the RemoteDelivery queues and the hold, for the next test. */
    public void clear() throws Exception {
        for (String queue : QUEUES) {
            queues().clear(queue);
        }
        for (String queue : HOLD_QUEUES) {
            queues().clearIfExists(queue);
        }
        holds().clear();
    }

    @Override
    public void close() throws IOException {
        james.close();
        james.instance().delete();
    }
}
