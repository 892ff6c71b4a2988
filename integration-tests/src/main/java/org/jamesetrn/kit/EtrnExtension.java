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

    /** Replaces the options of the extension's SMTP handler in smtpserver.xml with this XML fragment. */
    public void setHandlerOptions(Conf conf, String optionsXml) {
        conf.replaceChildren("smtpserver.xml", "handler", Conf.classAttribute(this::provides), optionsXml);
    }

    /**
     * Takes the extension out of a conf/ that ships it, for a stock James: its SMTP handler, its mailets, its WebAdmin routes,
     * the modules of extensions.properties (every one of them is an extension's) and the engine's own file.
     */
    public void removeFrom(Conf conf) {
        conf.removeElements("smtpserver.xml", "handler", Conf.classAttribute(this::provides));
        // The hold's and the release's mailets: their processors stay, empty (James ghosts what reaches their end).
        conf.removeElements("mailetcontainer.xml", "mailet", Conf.classAttribute(this::provides));
        List<String> routes = conf.listProperty(JamesInstance.WEBADMIN, JamesInstance.ROUTES);
        if (routes.stream().anyMatch(this::provides)) {
            List<String> stockRoutes = routes.stream().filter(route -> !provides(route)).collect(Collectors.toList());
            if (stockRoutes.isEmpty()) {
                conf.removeProperty(JamesInstance.WEBADMIN, JamesInstance.ROUTES);
            } else {
                conf.setProperty(JamesInstance.WEBADMIN, JamesInstance.ROUTES, String.join(",", stockRoutes));
            }
        }
        conf.clearProperties("extensions.properties");
        conf.delete(ENGINE_PROPERTIES);
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
