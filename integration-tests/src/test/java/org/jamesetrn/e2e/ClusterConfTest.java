package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import org.jamesetrn.kit.ClusterConf;
import org.jamesetrn.kit.Conf;
import org.jamesetrn.kit.Repository;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * conf/cluster stays in step with conf/: the files it replaces are the shipped ones with the cluster's changes and
 * nothing else (conf/cluster/README.md).
 */
class ClusterConfTest {
    private final Repository repository = Repository.underTest();

    @Test
    void extensionsPropertiesIsTheShippedOnePlusTheClusterModuleAfterEtrnModule() throws Exception {
        Properties shipped = load(repository.conf().resolve("extensions.properties"));
        Properties cluster = load(repository.clusterConf().resolve("extensions.properties"));
        assertThat(cluster.stringPropertyNames()).isEqualTo(shipped.stringPropertyNames());
        for (String key : shipped.stringPropertyNames()) {
            if (!key.equals("guice.extension.module")) {
                assertThat(cluster.getProperty(key)).as(key).isEqualTo(shipped.getProperty(key));
            }
        }
        List<String> shippedModules = List.of(shipped.getProperty("guice.extension.module").split("\\s*,\\s*"));
        List<String> clusterModules = new ArrayList<>(List.of(cluster.getProperty("guice.extension.module").split("\\s*,\\s*")));
        int etrnModule = clusterModules.indexOf("org.jamesetrn.module.EtrnModule");
        assertThat(clusterModules.get(etrnModule + 1)).isEqualTo("org.jamesetrn.cluster.EtrnClusterModule");
        clusterModules.remove(etrnModule + 1);
        assertThat(clusterModules).isEqualTo(shippedModules);
    }

    @Test
    void mailRepositoryStoreIsTheShippedOnePlusJamesCassandraRepository() throws Exception {
        Document shipped = xml(repository.conf().resolve("mailrepositorystore.xml"));
        Document cluster = xml(repository.clusterConf().resolve("mailrepositorystore.xml"));
        assertThat(text(cluster, "defaultProtocol")).isEqualTo(text(shipped, "defaultProtocol"));
        List<Element> clusterRepositories = elements(cluster, "mailrepository");
        for (Element repository : elements(shipped, "mailrepository")) {
            assertThat(clusterRepositories).as("shipped %s", repository.getAttribute("class"))
                .anyMatch(candidate -> candidate.isEqualNode(repository));
        }
        assertThat(clusterRepositories).hasSize(elements(shipped, "mailrepository").size() + 1)
            .anyMatch(repository -> repository.getAttribute("class")
                    .equals("org.apache.james.mailrepository.cassandra.CassandraMailRepository")
                && text(repository, "protocol").equals("cassandra"));
    }

    /**
     * conf/cluster/mailetcontainer.xml is the shipped one with the cluster's changes and nothing else: when conf/'s
     * changes, copy it again and make these changes (the failure shows the expected file).
     */
    @Test
    void mailetContainerIsTheShippedOneWithTheClustersChanges() throws Exception {
        Document expected = xml(repository.conf().resolve("mailetcontainer.xml"));
        clusterChanges(expected);
        Document cluster = xml(repository.clusterConf().resolve("mailetcontainer.xml"));
        assertThat(cluster.getDocumentElement().isEqualNode(expected.getDocumentElement()))
            .as("conf/cluster/mailetcontainer.xml should be, comments aside:%n%s", serialize(expected))
            .isTrue();
        assertThat(ClusterConf.HOLD_ROOT).isEqualTo("cassandra://var/mail/etrn-hold/");
    }

    /**
     * What the cluster changes in the shipped mailetcontainer.xml (conf/cluster/README.md): the hold in Cassandra,
     * tried every hour; every RemoteDelivery of the relay processor parked (HoldDelivery: one attempt, the
     * recipients refused for now to the hold through etrn-undelivered); customer.test's released mail to its
     * smarthost, as in relay; address literals tried once, then a DSN (the RabbitMQ queue has no delays).
     */
    private static void clusterChanges(Document shipped) {
        List<Element> roots = elements(shipped, "root");
        assertThat(roots).singleElement().satisfies(root -> {
            assertThat(root.getTextContent()).isEqualTo("file://var/mail/etrn-hold/");
            assertThat(((Element) root.getParentNode()).getAttribute("class")).endsWith(".HoldForEtrn");
        });
        roots.get(0).setTextContent(ClusterConf.HOLD_ROOT);
        Element hold = (Element) roots.get(0).getParentNode();
        Element retryEvery = shipped.createElement("retryEvery");
        retryEvery.setTextContent("1 hour");
        hold.insertBefore(retryEvery, child(hold, "expireAfter").getNextSibling());

        Element release = processor(shipped, "etrn-release");
        List<Element> smarthost = new ArrayList<>();
        for (Element mailet : elements(release, "mailet")) {
            if (mailet.getAttribute("match").equals("HostIs=held.test")) {
                smarthost.add(mailet);
            }
        }
        assertThat(smarthost).as("etrn-release's route to 127.0.0.1:2526").singleElement()
            .satisfies(mailet -> assertThat(child(mailet, "gatewayPort").getTextContent()).isEqualTo("2526"));
        smarthost.get(0).setAttribute("match", "HostIs=held.test,customer.test");

        Element relay = processor(shipped, "relay");
        List<Element> remoteDeliveries = new ArrayList<>();
        for (Element mailet : elements(relay, "mailet")) {
            if (mailet.getAttribute("class").equals("RemoteDelivery")) {
                remoteDeliveries.add(mailet);
            }
        }
        assertThat(remoteDeliveries).as("the relay's RemoteDelivery mailets").hasSize(2);
        for (Element mailet : remoteDeliveries) {
            mailet.setAttribute("class", "org.jamesetrn.hold.HoldDelivery");
            for (String forced : List.of("delayTime", "maxRetries", "maxDnsProblemRetries", "sendpartial",
                    "usePriority", "onSuccess")) {
                Element option = child(mailet, forced);
                if (option != null) {
                    mailet.removeChild(option);
                }
            }
            child(mailet, "bounceProcessor").setTextContent("etrn-undelivered");
        }

        Element notHeld = elements(processor(shipped, "etrn-not-held"), "mailet").get(0);
        assertThat(notHeld.getAttribute("class")).isEqualTo("RemoteDelivery");
        child(notHeld, "delayTime").setTextContent("");
        child(notHeld, "maxRetries").setTextContent("0");
        child(notHeld, "maxDnsProblemRetries").setTextContent("0");
    }

    private static Element processor(Document document, String state) {
        return elements(document, "processor").stream()
            .filter(processor -> processor.getAttribute("state").equals(state)).findFirst().orElseThrow();
    }

    private static Element child(Element parent, String tag) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element && ((Element) node).getTagName().equals(tag)) {
                return (Element) node;
            }
        }
        return null;
    }

    /** Probe first works across servers (the probe's verdict is kept with its claim): the shipped etrn.properties. */
    @Test
    void etrnPropertiesIsTheShippedOne() {
        assertThat(repository.clusterConf().resolve("etrn.properties")).doesNotExist();
    }

    @Test
    void theStoresAreOnLoopbackAtTheirScriptsDefaultPorts() {
        Conf cluster = Conf.at(repository.clusterConf());
        assertThat(cluster.property(ClusterConf.CASSANDRA, "cassandra.nodes")).contains("127.0.0.1:9042");
        assertThat(cluster.property(ClusterConf.RABBITMQ, "uri")).contains("amqp://127.0.0.1:5672");
        assertThat(cluster.property(ClusterConf.RABBITMQ, "management.uri")).contains("http://127.0.0.1:15672");
    }

    private static String serialize(Document document) {
        try {
            StringWriter out = new StringWriter();
            var transformer = TransformerFactory.newInstance().newTransformer();
            transformer.setOutputProperty(OutputKeys.INDENT, "yes");
            transformer.transform(new DOMSource(document), new StreamResult(out));
            return out.toString();
        } catch (Exception e) {
            return "(cannot serialize: " + e + ")";
        }
    }

    private static Properties load(Path file) throws Exception {
        Properties properties = new Properties();
        try (var reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        return properties;
    }

    private static Document xml(Path file) throws Exception {
        Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        strip(document.getDocumentElement());
        return document;
    }

    /** Without comments and blank text, so that two elements compare by what James reads. */
    private static void strip(Node node) {
        for (Node child = node.getFirstChild(); child != null; ) {
            Node next = child.getNextSibling();
            if (child.getNodeType() == Node.COMMENT_NODE
                || (child.getNodeType() == Node.TEXT_NODE && child.getTextContent().isBlank())) {
                node.removeChild(child);
            } else {
                strip(child);
            }
            child = next;
        }
    }

    private static List<Element> elements(Document document, String tag) {
        return elements(document.getDocumentElement(), tag);
    }

    private static List<Element> elements(Element parent, String tag) {
        List<Element> elements = new ArrayList<>();
        NodeList nodes = parent.getElementsByTagName(tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            elements.add((Element) nodes.item(i));
        }
        return elements;
    }

    private static String text(Document document, String tag) {
        return document.getElementsByTagName(tag).item(0).getTextContent().trim();
    }

    private static String text(Element element, String tag) {
        return element.getElementsByTagName(tag).item(0).getTextContent().trim();
    }
}
