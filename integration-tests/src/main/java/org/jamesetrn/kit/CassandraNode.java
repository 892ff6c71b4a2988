package org.jamesetrn.kit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A one-node Apache Cassandra 5.0 on loopback, started by the repository's {@code cassandra/cassandra.sh} (the script
 * the README gives an admin) as a separate process: free CQL and storage ports, a fresh folder, its output in
 * {@code cassandra.log} there. Ready when its CQL port listens. It can be stopped (SIGTERM: Cassandra drains and
 * flushes) and started again on the same folder and ports, its data kept ({@link ScriptNode}). JDK only.
 */
public final class CassandraNode extends ScriptNode {
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(3);

    private final int cqlPort;

    private CassandraNode(Repository repository, Path directory, int cqlPort, int storagePort) {
        super("Cassandra", directory, new ServerProcess(List.of("bash", repository.cassandraScript().toString(),
            "--dir", directory.toString(),
            "--cql-port", String.valueOf(cqlPort),
            "--storage-port", String.valueOf(storagePort),
            "--no-build"), repository.root(), directory.resolve("cassandra.log")), STARTUP_TIMEOUT);
        this.cqlPort = cqlPort;
    }

    /** A fresh node (whatever the folder held is deleted), started and ready. */
    public static CassandraNode start(Repository repository, Path directory) throws IOException, InterruptedException {
        Trees.delete(directory);
        Files.createDirectories(directory);
        CassandraNode node = new CassandraNode(repository, directory, Ports.free(), Ports.free());
        node.start();
        return node;
    }

    @Override
    protected boolean ready() {
        return Ports.listening(cqlPort);
    }

    /** The CQL (native protocol) port on 127.0.0.1. */
    public int cqlPort() {
        return cqlPort;
    }
}
