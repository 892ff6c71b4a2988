package org.jamesetrn.kit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A James working directory laid out as an admin lays it out: {@code conf/} (a copy, then edited through
 * {@link #conf()}), {@code extensions-jars/}, and the {@code var/} James writes. The launchers ({@link JamesProcess},
 * {@link InProcessJames}) start James on it; it outlives them, so that a server stopped or killed and started again
 * finds its folder as it left it. JDK only.
 */
public final class JamesInstance {
    static final String WEBADMIN = "webadmin.properties";
    /** The ODMR listener's file (RFC 2645), when the conf/ ships it. */
    static final String ODMR = "odmr.properties";
    static final String ROUTES = "extensions.routes";

    private final Path directory;
    private int smtpPort = -1;
    private int webAdminPort = -1;
    private int odmrPort = -1;

    private JamesInstance(Path directory) {
        this.directory = directory;
    }

    /** A fresh folder (whatever was there is deleted) with a copy of this conf/ and an empty extensions-jars/. */
    public static JamesInstance create(Path directory, Path conf) throws IOException {
        Trees.delete(directory);
        Trees.copy(conf, directory.resolve("conf"));
        Files.createDirectories(directory.resolve("extensions-jars"));
        return new JamesInstance(directory);
    }

    public Path directory() {
        return directory;
    }

    public Conf conf() {
        return Conf.at(directory.resolve("conf"));
    }

    public Path extensionJars() {
        return directory.resolve("extensions-jars");
    }

    /**
     * SMTP on 127.0.0.1:smtpPort (every {@code <bind>}), WebAdmin enabled on 127.0.0.1:webAdminPort, and the ODMR
     * listener, when conf/ has one, on a free loopback port ({@link #odmrPort()}). The SMTP server's
     * {@code <jmxName>} names the port too: James registers its handler chain's MBeans under that name on the JVM's
     * MBean server, so two servers started in one JVM (a relay and a site) must not share it.
     */
    public JamesInstance listenOn(int smtpPort, int webAdminPort) {
        if (Files.exists(conf().directory().resolve(ODMR))) {
            odmrPort = Ports.free();
            conf().setProperty(ODMR, "bind", "127.0.0.1:" + odmrPort);
        }
        conf().setElements("smtpserver.xml", "bind", "127.0.0.1:" + smtpPort)
            .setElements("smtpserver.xml", "jmxName", "smtpserver-" + smtpPort)
            .setProperty(WEBADMIN, "enabled", "true")
            .setProperty(WEBADMIN, "host", "127.0.0.1")
            .setProperty(WEBADMIN, "port", String.valueOf(webAdminPort));
        this.smtpPort = smtpPort;
        this.webAdminPort = webAdminPort;
        return this;
    }

    public int smtpPort() {
        return port(smtpPort);
    }

    public int webAdminPort() {
        return port(webAdminPort);
    }

    /** Where the ODMR listener listens (RFC 2645's port 366 in production). */
    public int odmrPort() {
        return port(odmrPort);
    }

    private static int port(int port) {
        if (port < 0) {
            throw new IllegalStateException("ports unknown: call listenOn first");
        }
        return port;
    }

    /** Points every RemoteDelivery gateway of mailetcontainer.xml ({@code <gatewayPort>}) at this port. */
    public JamesInstance gatewayPort(int port) {
        conf().setElements("mailetcontainer.xml", "gatewayPort", String.valueOf(port));
        return this;
    }

    /** Copies one more jar into extensions-jars/, under this file name. */
    public JamesInstance addExtensionJar(Path jar, String fileName) throws IOException {
        Files.copy(jar, extensionJars().resolve(fileName), StandardCopyOption.REPLACE_EXISTING);
        return this;
    }

    /** Adds a WebAdmin route class to the {@code extensions.routes} of webadmin.properties, after those it lists. */
    public JamesInstance addWebAdminRoute(String className) {
        List<String> routes = new ArrayList<>(conf().listProperty(WEBADMIN, ROUTES));
        routes.add(className);
        conf().setProperty(WEBADMIN, ROUTES, String.join(",", routes));
        return this;
    }

    /** Deletes the folder (the server must be stopped). */
    public void delete() throws IOException {
        Trees.delete(directory);
    }
}
