package org.jamesetrn.e2e;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jamesetrn.kit.CassandraNode;
import org.jamesetrn.kit.ClusterConf;
import org.jamesetrn.kit.Conf;
import org.jamesetrn.kit.EtrnExtension;
import org.jamesetrn.kit.JamesInstance;
import org.jamesetrn.kit.JamesProcess;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.RabbitMQNode;
import org.jamesetrn.kit.Repository;
import org.jamesetrn.kit.SmtpClient;
import org.jamesetrn.kit.WebAdmin;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * One server of the test cluster: the cluster server of docs/cluster.md (james-server's
 * {@code ClusterJamesServerMain}) as a separate {@code java} process, so that it can be killed (SIGKILL) and started
 * again on its folder. Its conf/ is the shipped one with conf/cluster applied ({@link ClusterConf}) and test
 * overrides: free loopback ports, the customer MX as the gateway, the ETRN options of the other tests (no rate limit),
 * a claim timeout of {@value #CLAIM_TIMEOUT_SECONDS} s, and two more held domains: late.test (held like held.test) and
 * retry.test, held in a second hold ({@value #RETRY_ROOT}) that also retries every {@value #RETRY_EVERY}.
 */
final class ClusterServer implements AutoCloseable {
    static final String NODE = "held.test";
    static final String LATE_NODE = "late.test";
    static final String RETRY_NODE = "retry.test";
    static final String RETRY_ROOT = "cassandra://var/mail/etrn-retry/";
    static final String RETRY_EVERY = "1s";
    /** The claims' time to live (release.claim.timeout): how long a dead server's claims keep its mail. */
    static final int CLAIM_TIMEOUT_SECONDS = 30;
    static final String HANDLER_OPTIONS = EtrnRelay.HANDLER_OPTIONS
        .replace("held.test, parked.test", "held.test, parked.test, " + LATE_NODE + ", " + RETRY_NODE)
        .replace("<permits>1000</permits>", "<permits>0</permits>");

    private final String name;
    private final JamesProcess process;

    private ClusterServer(String name, JamesProcess process) {
        this.name = name;
        this.process = process;
    }

    /** Lays out the server's folder and starts it (about 30 s); the MX must be listening meanwhile (free ports). */
    static ClusterServer start(String name, Path directory, int mxPort, CassandraNode cassandra, RabbitMQNode rabbitMQ)
            throws Exception {
        return start(name, directory, mxPort, cassandra, rabbitMQ, conf -> { });
    }

    /** The same with more edits of its conf/, made last. */
    static ClusterServer start(String name, Path directory, int mxPort, CassandraNode cassandra, RabbitMQNode rabbitMQ,
                               Consumer<Conf> edits) throws Exception {
        Repository repository = Repository.underTest();
        JamesInstance instance = JamesInstance.create(directory, repository.conf())
            .listenOn(Ports.free(), Ports.free());
        instance.conf().setElements("smtpserver.xml", "authorizedAddresses", "127.0.0.1/32");
        EtrnExtension extension = repository.extension();
        extension.setHandlerOptions(instance.conf(), HANDLER_OPTIONS);
        ClusterConf.apply(repository, instance.conf(), cassandra, rabbitMQ);
        instance.gatewayPort(mxPort); // in the cluster's mailetcontainer.xml
        instance.conf().setProperty(EtrnExtension.ENGINE_PROPERTIES, "release.claim.timeout", CLAIM_TIMEOUT_SECONDS + "s");
        moreHeldDomains(instance.conf());
        edits.accept(instance.conf());
        extension.installInto(instance);
        WebAdmin webAdmin = new WebAdmin(instance.webAdminPort(), Duration.ofSeconds(10));
        JamesProcess process = JamesProcess.on(instance, repository.serverLib())
            .mainClass(JamesProcess.CLUSTER_SERVER)
            // The driver's 2 s request timeout (its default, and James's) is short for one Cassandra node on two cores
            // shared with every other build of the machine: a timed-out count would be a 458 the test did not cause.
            .jvmOptions(List.of("-Xmx1g", "-Ddatastax-java-driver.basic.request.timeout=10s"))
            .readyWhen(() -> answers(webAdmin))
            .start();
        return new ClusterServer(name, process);
    }

    /** Ready: the ETRN route answers for the node, which reads the hold in Cassandra. */
    private static boolean answers(WebAdmin webAdmin) {
        try {
            return webAdmin.get("/etrn/" + NODE).statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * late.test held like held.test. retry.test in a hold of its own that retries every {@value #RETRY_EVERY}, with its
     * own release and undelivered processors (copies of the shipped ones, with their own RemoteDelivery queues), so that
     * a failed attempt goes back to that hold.
     */
    private static void moreHeldDomains(Conf conf) {
        conf.editXml("mailetcontainer.xml", document -> {
            Element relayRoute = only(document, "mailet", mailet -> mailet.getAttribute("match").equals("HostIs=" + NODE)
                && mailet.getAttribute("class").equals("ToProcessor"));
            relayRoute.setAttribute("match", "HostIs=" + NODE + "," + LATE_NODE);
            relayRoute.getParentNode().insertBefore(
                mailet(document, "HostIs=" + RETRY_NODE, "ToProcessor", "processor", "etrn-hold-retry"), relayRoute);
            Element releaseRoute = only(document, "mailet", mailet -> mailet.getAttribute("class").equals("RemoteDelivery")
                && mailet.getAttribute("match").startsWith("HostIs=" + NODE));
            releaseRoute.setAttribute("match", releaseRoute.getAttribute("match") + "," + LATE_NODE + "," + RETRY_NODE);

            Element release = (Element) processor(document, "etrn-release").cloneNode(true);
            release.setAttribute("state", "etrn-release-retry");
            forEach(release.getElementsByTagName("outgoing"), outgoing -> outgoing.setTextContent(outgoing.getTextContent() + "-retry"));
            forEach(release.getElementsByTagName("bounceProcessor"), bounce -> bounce.setTextContent("etrn-undelivered-retry"));
            Element undelivered = (Element) processor(document, "etrn-undelivered").cloneNode(true);
            undelivered.setAttribute("state", "etrn-undelivered-retry");
            forEach(undelivered.getElementsByTagName("processor"), target -> target.setTextContent("etrn-hold-retry"));
            Element hold = document.createElement("processor");
            hold.setAttribute("state", "etrn-hold-retry");
            hold.setAttribute("enableJmx", "false");
            hold.appendChild(mailet(document, "All", "org.jamesetrn.hold.HoldForEtrn", "root", RETRY_ROOT,
                "releaseProcessor", "etrn-release-retry", "expireAfter", "1 hour", "retryEvery", RETRY_EVERY));
            Element processors = (Element) processor(document, "etrn-release").getParentNode();
            processors.appendChild(hold);
            processors.appendChild(release);
            processors.appendChild(undelivered);
        });
    }

    private static Element only(Document document, String tag, Predicate<Element> which) {
        List<Element> found = new ArrayList<>();
        forEach(document.getElementsByTagName(tag), element -> {
            if (which.test(element)) {
                found.add(element);
            }
        });
        if (found.size() != 1) {
            throw new IllegalStateException(found.size() + " matching <" + tag + "> in mailetcontainer.xml, expected one");
        }
        return found.get(0);
    }

    private static Element processor(Document document, String state) {
        return only(document, "processor", processor -> processor.getAttribute("state").equals(state));
    }

    private static void forEach(NodeList nodes, Consumer<Element> action) {
        List<Element> elements = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            elements.add((Element) nodes.item(i));
        }
        elements.forEach(action);
    }

    private static Element mailet(Document document, String match, String className, String... parameters) {
        Element mailet = document.createElement("mailet");
        mailet.setAttribute("match", match);
        mailet.setAttribute("class", className);
        for (int i = 0; i < parameters.length; i += 2) {
            Element parameter = document.createElement(parameters[i]);
            parameter.setTextContent(parameters[i + 1]);
            mailet.appendChild(parameter);
        }
        return mailet;
    }

    String name() {
        return name;
    }

    int smtpPort() {
        return process.smtpPort();
    }

    WebAdmin webAdmin() {
        return new WebAdmin(process.webAdminPort(), Duration.ofSeconds(40));
    }

    SmtpClient connect() {
        SmtpClient client = SmtpClient.connect(smtpPort());
        client.ehlo();
        return client;
    }

    /** One ETRN on a session of its own. */
    SmtpClient.Reply etrn(String node) {
        try (SmtpClient site = connect()) {
            return site.etrn(node);
        }
    }

    /** Submits mails for the domain through this server; their Message-IDs. */
    List<String> send(String domain, int count) {
        return Mails.send(smtpPort(), domain, count);
    }

    /** The mails held for a domain in the cluster (James's WebAdmin, on this server: the size of its repository). */
    long held(String domain) throws IOException, InterruptedException {
        return held(ClusterConf.HOLD_ROOT, domain);
    }

    long held(String root, String domain) throws IOException, InterruptedException {
        HttpResponse<String> response = webAdmin().get("/mailRepositories/" + encodedPath(root, domain));
        if (response.statusCode() == 404) {
            return 0;
        }
        Matcher size = Pattern.compile("\"size\":(\\d+)").matcher(response.body());
        if (response.statusCode() != 200 || !size.find()) {
            throw new IllegalStateException("GET /mailRepositories: " + response.statusCode() + " " + response.body());
        }
        return Long.parseLong(size.group(1));
    }

    /** Empties the held domain's repository in Cassandra (James's WebAdmin DELETE .../mails). */
    void clear(String root, String domain) throws IOException, InterruptedException {
        webAdmin().delete("/mailRepositories/" + encodedPath(root, domain) + "/mails");
    }

    /** James's WebAdmin path of the hold repository of a domain: the root's path and the domain, URL-encoded. */
    static String encodedPath(String root, String domain) {
        String path = root.substring(root.indexOf("://") + 3) + domain;
        return URLEncoder.encode(path, StandardCharsets.UTF_8);
    }

    /** SIGKILL: a crash, as far as James and Cassandra can tell. */
    void kill() throws InterruptedException {
        process.kill();
    }

    /** Starts it again on its folder, after a stop or a kill. */
    void restart() throws IOException, InterruptedException {
        process.start();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return process.log();
    }

    long logLength() throws IOException {
        return process.logLength();
    }

    String logSince(long offset) throws IOException {
        return process.logSince(offset);
    }

    @Override
    public void close() throws InterruptedException {
        process.stop();
    }

    void closeQuietly() {
        try {
            close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "server " + name + " (SMTP " + smtpPort() + ", log " + log() + ")";
    }

    static Path folder(Path parent, String name) throws IOException {
        Files.createDirectories(parent);
        return parent.resolve("james-" + name);
    }
}
