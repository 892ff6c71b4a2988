package org.jamesetrn.kit;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * A James conf/ folder, edited the way an admin would edit it: only the named elements or keys change, everything
 * else (comments, order, the other entries) stays as it is. XML files are edited through the DOM; properties files
 * line by line, so that their comments stay too. Every edit that finds nothing to change fails, so that a renamed
 * element in conf/ cannot be silently missed. JDK only (the benchmark edits its server's conf/ with it too).
 */
public final class Conf {
    private final Path directory;

    private Conf(Path directory) {
        this.directory = directory;
    }

    /** The conf folder at this path (read and edited in place). */
    public static Conf at(Path directory) {
        return new Conf(directory);
    }

    public Path directory() {
        return directory;
    }

    /** Elements whose {@code class} attribute satisfies the predicate: a handler, a mailet, a matcher. */
    public static Predicate<Element> classAttribute(Predicate<String> className) {
        return element -> className.test(element.getAttribute("class"));
    }

    /** Sets the text of every element with this tag name in the XML file; fails when there is none. */
    public Conf setElements(String file, String tag, String value) {
        return editElements(file, tag, element -> true, element -> element.setTextContent(value));
    }

    /** Replaces the children of each matching element with the given XML fragment; fails when none matches. */
    public Conf replaceChildren(String file, String tag, Predicate<Element> which, String xmlFragment) {
        Element replacement = parse("<" + tag + ">" + xmlFragment + "</" + tag + ">").getDocumentElement();
        return editElements(file, tag, which, element -> {
            while (element.getFirstChild() != null) {
                element.removeChild(element.getFirstChild());
            }
            for (Node child = replacement.getFirstChild(); child != null; child = child.getNextSibling()) {
                element.appendChild(element.getOwnerDocument().importNode(child, true));
            }
        });
    }

    /** Removes each matching element; fails when none matches. */
    public Conf removeElements(String file, String tag, Predicate<Element> which) {
        return editElements(file, tag, which, element -> element.getParentNode().removeChild(element));
    }

    /** Edits the XML file's document and writes it back (comments included). */
    public Conf editXml(String file, Consumer<Document> edit) {
        File path = directory.resolve(file).toFile();
        try {
            Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(path);
            edit.accept(document);
            var transformer = TransformerFactory.newInstance().newTransformer();
            transformer.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            transformer.transform(new DOMSource(document), new StreamResult(path));
            return this;
        } catch (Exception e) {
            throw new IllegalStateException("cannot edit " + path + ": " + e.getMessage(), e);
        }
    }

    private Conf editElements(String file, String tag, Predicate<Element> which, Consumer<Element> edit) {
        return editXml(file, document -> {
            NodeList elements = document.getElementsByTagName(tag);
            List<Element> matching = new ArrayList<>();
            for (int i = 0; i < elements.getLength(); i++) {
                Element element = (Element) elements.item(i);
                if (which.test(element)) {
                    matching.add(element);
                }
            }
            if (matching.isEmpty()) {
                throw new IllegalStateException("no matching <" + tag + "> in " + file);
            }
            matching.forEach(edit);
        });
    }

    private static Document parse(String xml) {
        try {
            return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
        } catch (Exception e) {
            throw new IllegalArgumentException("bad XML: " + xml, e);
        }
    }

    /** The value of a key in a properties file, as James reads it. */
    public Optional<String> property(String file, String key) {
        Properties properties = new Properties();
        try (var reader = Files.newBufferedReader(directory.resolve(file), StandardCharsets.ISO_8859_1)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.ofNullable(properties.getProperty(key));
    }

    /** A comma-separated value (queue names, class names), trimmed, without empty items; empty when the key is absent. */
    public List<String> listProperty(String file, String key) {
        return property(file, key).stream()
            .flatMap(value -> Arrays.stream(value.split(",")))
            .map(String::trim)
            .filter(item -> !item.isEmpty())
            .collect(Collectors.toList());
    }

    /** Sets the key where it stands (the line is rewritten, comments stay), or appends it. */
    public Conf setProperty(String file, String key, String value) {
        List<PropertyLines> entries = readProperties(file);
        String line = formatProperty(key, value);
        boolean found = false;
        for (PropertyLines entry : entries) {
            if (key.equals(entry.key)) {
                entry.lines = found ? List.of() : List.of(line);
                found = true;
            }
        }
        if (!found) {
            entries.add(new PropertyLines(key, List.of(line)));
        }
        return writeProperties(file, entries);
    }

    /** Removes the key; fails when it is absent. */
    public Conf removeProperty(String file, String key) {
        List<PropertyLines> entries = readProperties(file);
        if (!entries.removeIf(entry -> key.equals(entry.key))) {
            throw new IllegalStateException("no " + key + " in " + file);
        }
        return writeProperties(file, entries);
    }

    /** Removes every key of the properties file; its comments stay. */
    public Conf clearProperties(String file) {
        List<PropertyLines> entries = readProperties(file);
        entries.removeIf(entry -> entry.key != null);
        return writeProperties(file, entries);
    }

    /** Deletes the file (James then runs without it, as when an admin never installed it). */
    public Conf delete(String file) {
        try {
            Files.deleteIfExists(directory.resolve(file));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The physical lines of one entry (key != null), or of a comment or blank line (key == null). */
    private static final class PropertyLines {
        final String key;
        List<String> lines;

        PropertyLines(String key, List<String> lines) {
            this.key = key;
            this.lines = lines;
        }
    }

    private List<PropertyLines> readProperties(String file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(directory.resolve(file), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<PropertyLines> entries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String stripped = lines.get(i).stripLeading();
            if (stripped.isEmpty() || stripped.startsWith("#") || stripped.startsWith("!")) {
                entries.add(new PropertyLines(null, List.of(lines.get(i))));
                continue;
            }
            List<String> entry = new ArrayList<>(List.of(lines.get(i)));
            while (continues(entry.get(entry.size() - 1)) && i + 1 < lines.size()) {
                entry.add(lines.get(++i));
            }
            entries.add(new PropertyLines(keyOf(String.join("\n", entry)), entry));
        }
        return entries;
    }

    /** A line ending in an odd number of backslashes continues on the next one. */
    private static boolean continues(String line) {
        int backslashes = 0;
        for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) {
            backslashes++;
        }
        return backslashes % 2 == 1;
    }

    /** The key of one entry, parsed by {@link Properties} itself (escapes, separators). */
    private static String keyOf(String entry) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(entry));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties.stringPropertyNames().iterator().next();
    }

    /** One entry as {@link Properties#store} writes it (escapes included), without its date comment. */
    private static String formatProperty(String key, String value) {
        Properties properties = new Properties();
        properties.setProperty(key, value);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            properties.store(bytes, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new String(bytes.toByteArray(), StandardCharsets.ISO_8859_1).lines()
            .filter(line -> !line.startsWith("#"))
            .findFirst()
            .orElseThrow();
    }

    private Conf writeProperties(String file, List<PropertyLines> entries) {
        List<String> lines = entries.stream().flatMap(entry -> entry.lines.stream()).collect(Collectors.toList());
        try {
            Files.write(directory.resolve(file), lines, StandardCharsets.ISO_8859_1);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
