package org.jamesetrn.kit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * Turns a {@link JamesInstance}'s conf/ (a copy of the shipped one) into the cluster server's, exactly as
 * conf/cluster/README.md tells an admin: the files of conf/cluster copied in (they replace the shipped ones of the same
 * name), {@code cassandra.nodes} pointed at the given Cassandra node and rabbitmq.properties at the given RabbitMQ. JDK only (the benchmark builds
 * its cluster with it too).
 */
public final class ClusterConf {
    /** The hold's root on the cluster server (conf/cluster/README.md). */
    public static final String HOLD_ROOT = "cassandra://var/mail/etrn-hold/";
    public static final String CASSANDRA = "cassandra.properties";
    public static final String RABBITMQ = "rabbitmq.properties";
    static final String NODES = "cassandra.nodes";

    private ClusterConf() {
    }

    /** Applies conf/cluster to an instance's conf/; its server will use this Cassandra and this RabbitMQ. */
    public static void apply(Repository repository, Conf conf, CassandraNode cassandra, RabbitMQNode rabbitMQ) throws IOException {
        apply(repository, conf, cassandra.cqlPort(), rabbitMQ.port(), rabbitMQ.managementPort());
    }

    /**
     * The same for the Cassandra listening on 127.0.0.1:cqlPort and the RabbitMQ on 127.0.0.1:amqpPort (its management
     * API on managementPort).
     */
    public static void apply(Repository repository, Conf conf, int cqlPort, int amqpPort, int managementPort) throws IOException {
        try (Stream<Path> files = Files.list(repository.clusterConf())) {
            for (Path file : (Iterable<Path>) files.filter(ClusterConf::isConf)::iterator) {
                Files.copy(file, conf.directory().resolve(file.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        conf.setProperty(CASSANDRA, NODES, "127.0.0.1:" + cqlPort)
            .setProperty(RABBITMQ, "uri", "amqp://127.0.0.1:" + amqpPort)
            .setProperty(RABBITMQ, "management.uri", "http://127.0.0.1:" + managementPort);
    }

    /** A James configuration file (the folder's README.md is for people). */
    private static boolean isConf(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".properties") || name.endsWith(".xml");
    }
}
