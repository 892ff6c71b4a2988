package org.jamesetrn.kit;

import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * This repository's checkout: its README and {@code docs/}, its {@code conf/}, {@code james.sh}, and what the build
 * assembles in {@code james-server/target/james} (the stock server's {@code lib/}, {@code conf/}, and the extension's
 * jars). JDK only.
 */
public final class Repository {
    private final Path root;

    private Repository(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public static Repository at(Path root) {
        return new Repository(root);
    }

    /** The repository the tests run in: system property {@code etrn.repository} (set by the build), else "..". */
    public static Repository underTest() {
        return at(Paths.get(System.getProperty("etrn.repository", "..")));
    }

    public Path root() {
        return root;
    }

    /** The newcomer's page: what it is, the two commands, the trial, installing, and links to docs/. */
    public Path readme() {
        return root.resolve("README.md");
    }

    /** The reference pages README links to. */
    public Path docs() {
        return root.resolve("docs");
    }

    /** The repository's conf/, as shipped. */
    public Path conf() {
        return root.resolve("conf");
    }

    /** What conf/ becomes on the cluster server (docs/cluster.md): the files that replace or join conf/'s. */
    public Path clusterConf() {
        return conf().resolve("cluster");
    }

    /** The script that runs a one-node Cassandra 5.0 (after the build of the cassandra module: its classpath). */
    public Path cassandraScript() {
        return root.resolve("cassandra/cassandra.sh");
    }

    /** The script that runs a one-node RabbitMQ 3.10 (Debian's rabbitmq-server, rabbitmq/install-rabbitmq.sh). */
    public Path rabbitMQScript() {
        return root.resolve("rabbitmq/rabbitmq.sh");
    }

    /** The assembled stock James memory server: {@code lib/}, {@code conf/}, {@code extensions-jars/}. */
    public Path assembledServer() {
        return root.resolve("james-server/target/james");
    }

    /** The classpath folder of the assembled server. */
    public Path serverLib() {
        return assembledServer().resolve("lib");
    }

    /** The extension's jars as the assembled server ships them. */
    public EtrnExtension extension() {
        return EtrnExtension.in(assembledServer().resolve("extensions-jars"));
    }
}
