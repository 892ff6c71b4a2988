package org.jamesetrn.kit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The ETRN extension as the build assembles it: the jars James loads from {@code extensions-jars/} (ours and the
 * libraries they need). Which entries of a conf/ belong to the extension is read from the jars: a class named in
 * conf/ (the SMTP handler, a WebAdmin route) is the extension's when one of these jars holds it. So the kit names
 * none of the extension's classes, and follows conf/ when they are renamed. JDK only.
 */
public final class EtrnExtension {
    /** The release engine's own configuration file (the queues ETRN may release). */
    public static final String ENGINE_PROPERTIES = "etrn.properties";
    /** The ETRN command's handler in smtpserver.xml. */
    static final String ETRN_HANDLER = "org.jamesetrn.protocol.EtrnCmdHandler";
    static final String HEALTH_CHECKS = "healthcheck.properties";
    static final String ADDITIONAL_HEALTH_CHECKS = "additional.healthchecks";

    private final Path jars;
    private Set<String> classes;

    private EtrnExtension(Path jars) {
        this.jars = jars;
    }

    /** The extension whose jars are in this folder (james-server/target/james/extensions-jars after the build). */
    public static EtrnExtension in(Path jars) {
        return new EtrnExtension(jars);
    }

    public Path jars() {
        return jars;
    }

    /** Whether one of the extension's jars holds this class. */
    public synchronized boolean provides(String className) {
        if (classes == null) {
            classes = classNames();
        }
        return classes.contains(className);
    }

    /** Copies the jars into the instance's extensions-jars/, as an admin installs the extension. */
    public void installInto(JamesInstance instance) throws IOException {
        Trees.copy(jars, instance.extensionJars());
    }

    /**
     * Replaces the options of the extension's ETRN handler in smtpserver.xml with this XML fragment; the extension's
     * hooks (the hold's intake, the in-flow delay) keep theirs.
     */
    public void setHandlerOptions(Conf conf, String optionsXml) {
        conf.replaceChildren("smtpserver.xml", "handler",
            Conf.classAttribute(ETRN_HANDLER::equals), optionsXml);
    }

    /**
     * Takes the extension out of a conf/ that ships it, for a stock James: its SMTP handler, its mailets, its WebAdmin
     * routes, its health checks, the modules of extensions.properties (every one of them is an extension's) and the
     * engine's own file.
     */
    public void removeFrom(Conf conf) {
        conf.removeElements("smtpserver.xml", "handler", Conf.classAttribute(this::provides));
        // The hold's and the release's mailets: their processors stay, empty (James ghosts what reaches their end).
        conf.removeElements("mailetcontainer.xml", "mailet", Conf.classAttribute(this::provides));
        removeClasses(conf, JamesInstance.WEBADMIN, JamesInstance.ROUTES);
        removeClasses(conf, HEALTH_CHECKS, ADDITIONAL_HEALTH_CHECKS);
        conf.clearProperties("extensions.properties");
        conf.delete(ENGINE_PROPERTIES);
    }

    /** Removes the extension's classes from a comma-separated list of class names (the key goes when none is left). */
    private void removeClasses(Conf conf, String file, String key) {
        if (!Files.exists(conf.directory().resolve(file))) {
            return;
        }
        List<String> classes = conf.listProperty(file, key);
        if (classes.stream().anyMatch(this::provides)) {
            List<String> stock = classes.stream().filter(name -> !provides(name)).collect(Collectors.toList());
            if (stock.isEmpty()) {
                conf.removeProperty(file, key);
            } else {
                conf.setProperty(file, key, String.join(",", stock));
            }
        }
    }

    private Set<String> classNames() {
        Set<String> names = new HashSet<>();
        try (Stream<Path> files = Files.list(jars)) {
            for (Path jar : (Iterable<Path>) files.filter(file -> file.toString().endsWith(".jar"))::iterator) {
                try (JarFile archive = new JarFile(jar.toFile())) {
                    archive.stream()
                        .map(JarEntry::getName)
                        .filter(name -> name.endsWith(".class"))
                        .map(name -> name.substring(0, name.length() - ".class".length()).replace('/', '.'))
                        .forEach(names::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the extension's jars in " + jars
                + " (build the reactor first: mvn verify from the repository root)", e);
        }
        return names;
    }
}
