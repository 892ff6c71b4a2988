package org.jamesetrn.kit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * Turns a {@link JamesInstance}'s conf/ (a copy of the shipped one) into the cluster server's, exactly as
 * conf/cluster/README.md tells an admin: the files of conf/cluster copied in, the hold's root moved to Cassandra, and
 * {@code cassandra.nodes} pointed at the given node. JDK only (the benchmark builds its cluster with it too).
 */
public final class ClusterConf {
    /** The hold's root on the cluster server (conf/cluster/README.md). */
    public static final String HOLD_ROOT = "cassandra://var/mail/etrn-hold/";
    public static final String CASSANDRA = "cassandra.properties";
    static final String NODES = "cassandra.nodes";

    private ClusterConf() {
    }

    /** Applies conf/cluster to an instance's conf/; its server will use the Cassandra listening on 127.0.0.1:cqlPort. */
    public static void apply(Repository repository, Conf conf, int cqlPort) throws IOException {
        try (Stream<Path> files = Files.list(repository.clusterConf())) {
            for (Path file : (Iterable<Path>) files.filter(ClusterConf::isConf)::iterator) {
                Files.copy(file, conf.directory().resolve(file.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        conf.setProperty(CASSANDRA, NODES, "127.0.0.1:" + cqlPort)
            .setElements("mailetcontainer.xml", "root", HOLD_ROOT);
    }

    /** A James configuration file (the folder's README.md is for people). */
    private static boolean isConf(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".properties") || name.endsWith(".xml");
    }
}
