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
 * flushes) and started again on the same folder and ports, its data kept. JDK only.
 */
public final class CassandraNode implements AutoCloseable {
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(3);

    private final Path directory;
    private final int cqlPort;
    private final ServerProcess process;
    private Duration lastStart = Duration.ZERO;

    private CassandraNode(Repository repository, Path directory, int cqlPort, int storagePort) {
        this.directory = directory;
        this.cqlPort = cqlPort;
        this.process = new ServerProcess(List.of("bash", repository.cassandraScript().toString(),
            "--dir", directory.toString(),
            "--cql-port", String.valueOf(cqlPort),
            "--storage-port", String.valueOf(storagePort),
            "--no-build"), repository.root(), directory.resolve("cassandra.log")).killOnExit();
    }

    /** A fresh node (whatever the folder held is deleted), started and ready. */
    public static CassandraNode start(Repository repository, Path directory) throws IOException, InterruptedException {
        Trees.delete(directory);
        Files.createDirectories(directory);
        CassandraNode node = new CassandraNode(repository, directory, Ports.free(), Ports.free());
        node.start();
        return node;
    }

    /** Starts it (again, after {@link #stop()}) and waits until CQL listens; killed and failed if not in time. */
    public synchronized void start() throws IOException, InterruptedException {
        long started = System.nanoTime();
        process.start();
        boolean up = Poll.until(STARTUP_TIMEOUT, Duration.ofMillis(100), () -> !process.isAlive() || Ports.listening(cqlPort));
        if (!process.isAlive()) {
            throw new IllegalStateException("Cassandra exited at start-up, see " + process.log());
        }
        if (!up) {
            process.kill();
            throw new IllegalStateException("Cassandra was not ready in " + STARTUP_TIMEOUT.toSeconds() + " s, see "
                + process.log());
        }
        lastStart = Duration.ofNanos(System.nanoTime() - started);
    }

    /** SIGTERM (Cassandra drains: what it acknowledged is on disk), SIGKILL after a minute. */
    public synchronized void stop() throws InterruptedException {
        process.stop(Duration.ofMinutes(1));
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The CQL (native protocol) port on 127.0.0.1. */
    public int cqlPort() {
        return cqlPort;
    }

    /** How long the last start took, process launch to CQL listening. */
    public Duration lastStart() {
        return lastStart;
    }

    public Path directory() {
        return directory;
    }

    public Path log() {
        return process.log();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
