package org.jamesetrn.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.utils.MailRepositoryProbeImpl;
import org.jamesetrn.kit.EtrnExtension;
import org.jamesetrn.kit.InProcessJames;
import org.jamesetrn.kit.JamesInstance;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.Repository;
import org.jamesetrn.kit.TestDns;
import org.jamesetrn.kit.WebAdmin;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * James as the intermittent site (issue 13): the stock memory server with the shipped conf/ and our jars, whose SMTP
 * server is the MX of {@value #DOMAIN}, and whose ETRN client asks the relays written into its
 * etrn-client.properties. What arrives for the site is kept in a mail repository ({@value #INBOX}, by a
 * {@code ToRepository} mailet put first in the root processor), so that the tests count Message-IDs without a
 * mailbox or a user (a relay may deliver while James is still starting).
 */
final class SiteJames implements AutoCloseable {
    static final String DOMAIN = "client.test";
    static final String INBOX = "memory://var/mail/site-inbox/";
    /** The logger of the client's one line per request. */
    private static final String REQUEST_LOGGER = "org.jamesetrn.client.ClientAudit";
    private static final String CLIENT_PROPERTIES = "etrn-client.properties";

    private final InProcessJames james;
    private final Logger requestLogger;
    private final ListAppender<ILoggingEvent> requestLines;

    private SiteJames(InProcessJames james, Logger requestLogger, ListAppender<ILoggingEvent> requestLines) {
        this.james = james;
        this.requestLogger = requestLogger;
        this.requestLines = requestLines;
    }

    /** Boots the site on this SMTP port with these etrn-client.properties entries (the client starts with it). */
    static SiteJames start(int smtpPort, Map<String, String> clientProperties) throws Exception {
        return start(smtpPort, DOMAIN, clientProperties);
    }

    /** The same for a site whose domain is {@code domain}: its mail is kept in {@value #INBOX}. */
    static SiteJames start(int smtpPort, String domain, Map<String, String> clientProperties) throws Exception {
        Repository repository = Repository.underTest();
        JamesInstance instance = JamesInstance.create(Files.createTempDirectory("james-etrn-site"), repository.conf())
            .listenOn(smtpPort, Ports.free());
        clientProperties.forEach((key, value) -> instance.conf().setProperty(CLIENT_PROPERTIES, key, value));
        instance.conf().editXml("mailetcontainer.xml", document -> {
            Element root = rootProcessor(document.getElementsByTagName("processor"));
            Element keep = document.createElement("mailet");
            keep.setAttribute("match", "HostIs=" + domain);
            keep.setAttribute("class", "ToRepository");
            Element path = document.createElement("repositoryPath");
            path.setTextContent(INBOX);
            keep.appendChild(path);
            root.insertBefore(keep, root.getFirstChild());
        });
        EtrnExtension extension = repository.extension();
        extension.installInto(instance);

        Logger logger = (Logger) LoggerFactory.getLogger(REQUEST_LOGGER);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try {
            return new SiteJames(InProcessJames.start(instance, new TestDns(), List.of(MetricsProbe.class)), logger, lines);
        } catch (Exception | Error e) {
            logger.detachAppender(lines);
            instance.delete();
            throw e;
        }
    }

    private static Element rootProcessor(NodeList processors) {
        for (int i = 0; i < processors.getLength(); i++) {
            Element processor = (Element) processors.item(i);
            if ("root".equals(processor.getAttribute("state"))) {
                return processor;
            }
        }
        throw new IllegalStateException("no root processor in mailetcontainer.xml");
    }

    /** The Message-ID of every mail the site received, in no particular order (one entry per mail received). */
    List<String> receivedMessageIds() throws Exception {
        MailRepositoryProbeImpl repositories = james.probe(MailRepositoryProbeImpl.class);
        MailRepositoryUrl inbox = MailRepositoryUrl.from(INBOX);
        List<String> ids = new ArrayList<>();
        for (MailKey key : repositories.listMailKeys(inbox)) {
            ids.add(repositories.getMail(inbox, key).getMessage().getMessageID());
        }
        return ids;
    }

    long counter(String name) {
        return james.probe(MetricsProbe.class).counter(name);
    }

    /** The client's request lines so far, as {@code LEVEL message}. */
    List<String> requestLines() {
        return requestLines.list.stream()
            .map(event -> event.getLevel() + " " + event.getFormattedMessage())
            .collect(Collectors.toList());
    }

    WebAdmin webAdmin() {
        return new WebAdmin(james.instance().webAdminPort(), Duration.ofSeconds(60));
    }

    @Override
    public void close() throws IOException {
        requestLogger.detachAppender(requestLines);
        james.close();
        james.instance().delete();
    }
}
