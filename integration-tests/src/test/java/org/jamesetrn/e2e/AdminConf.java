package org.jamesetrn.e2e;

import java.io.File;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.function.Consumer;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import org.jamesetrn.kit.Trees;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * A copy of the repository's conf/ in a James working directory, edited the way an admin would edit it: only the
 * named elements change, everything else (comments included) stays as shipped.
 */
final class AdminConf {
    static final String ETRN_HANDLER = "org.jamesetrn.protocol.EtrnCmdHandler";

    private final Path conf;

    private AdminConf(Path conf) {
        this.conf = conf;
    }

    static AdminConf copy(Path repositoryConf, Path workingDirectory) throws IOException {
        Path conf = workingDirectory.resolve("conf");
        Trees.copy(repositoryConf, conf);
        return new AdminConf(conf);
    }

    /** Sets the text of every element with this tag name in the XML file; fails when there is none. */
    AdminConf setElement(String file, String tag, String value) {
        return editXml(file, document -> {
            NodeList elements = document.getElementsByTagName(tag);
            if (elements.getLength() == 0) {
                throw new IllegalStateException("no <" + tag + "> in " + file);
            }
            for (int i = 0; i < elements.getLength(); i++) {
                elements.item(i).setTextContent(value);
            }
        });
    }

    /** Replaces the options of the ETRN handler element of smtpserver.xml with the given XML fragment. */
    AdminConf etrnHandlerOptions(String optionsXml) {
        return editXml("smtpserver.xml", document -> {
            Element handler = etrnHandler(document);
            while (handler.getFirstChild() != null) {
                handler.removeChild(handler.getFirstChild());
            }
            Element options = parse("<handler>" + optionsXml + "</handler>").getDocumentElement();
            for (Node option = options.getFirstChild(); option != null; option = option.getNextSibling()) {
                handler.appendChild(document.importNode(option, true));
            }
        });
    }

    AdminConf setProperty(String file, String key, String value) {
        Path path = conf.resolve(file);
        try {
            Properties properties = new Properties();
            try (var reader = Files.newBufferedReader(path, StandardCharsets.ISO_8859_1)) {
                properties.load(reader);
            }
            properties.setProperty(key, value);
            try (var writer = Files.newBufferedWriter(path, StandardCharsets.ISO_8859_1)) {
                properties.store(writer, "edited by the end-to-end tests");
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Element etrnHandler(Document document) {
        NodeList handlers = document.getElementsByTagName("handler");
        for (int i = 0; i < handlers.getLength(); i++) {
            Element handler = (Element) handlers.item(i);
            if (ETRN_HANDLER.equals(handler.getAttribute("class"))) {
                return handler;
            }
        }
        throw new IllegalStateException("conf/smtpserver.xml has no " + ETRN_HANDLER + " handler");
    }

    private AdminConf editXml(String file, Consumer<Document> edit) {
        File path = conf.resolve(file).toFile();
        try {
            Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(path);
            edit.accept(document);
            var transformer = TransformerFactory.newInstance().newTransformer();
            transformer.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            transformer.transform(new DOMSource(document), new StreamResult(path));
            return this;
        } catch (Exception e) {
            throw new IllegalStateException("cannot edit " + path, e);
        }
    }

    private static Document parse(String xml) {
        try {
            return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
        } catch (Exception e) {
            throw new IllegalArgumentException("bad XML: " + xml, e);
        }
    }
}
