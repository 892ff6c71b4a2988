package org.jamesetrn.kit;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A store the cluster needs (Cassandra, RabbitMQ), run by one of the repository's scripts as a separate process in a
 * folder of its own: started and awaited, stopped by SIGTERM (the script stops its server cleanly; SIGKILL after a
 * minute) and started again on the same folder and ports, its data kept. JDK only.
 */
public abstract class ScriptNode implements AutoCloseable {
    private final String name;
    private final Path directory;
    private final ServerProcess process;
    private final Duration startupTimeout;
    private Duration lastStart = Duration.ZERO;

    protected ScriptNode(String name, Path directory, ServerProcess process, Duration startupTimeout) {
        this.name = name;
        this.directory = directory;
        this.process = process.killOnExit();
        this.startupTimeout = startupTimeout;
    }

    /** When the node serves: its ports listen. */
    protected abstract boolean ready();

    /** Starts it (again, after {@link #stop()}) and waits until it is ready; killed and failed if not in time. */
    public synchronized void start() throws IOException, InterruptedException {
        BooleanSupplier ready = this::ready;
        lastStart = process.startAndAwait(name, startupTimeout, ready);
    }

    /** SIGTERM (the server shuts down cleanly: what it acknowledged is on disk), SIGKILL after a minute. */
    public synchronized void stop() throws InterruptedException {
        process.stop(Duration.ofMinutes(1));
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** How long the last start took, process launch to ready. */
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
