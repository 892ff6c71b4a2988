package org.jamesetrn.kit;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * James as a separate {@code java} process on a {@link JamesInstance}, started the way {@code ./james.sh} starts it:
 * the assembled server's {@code lib/} as classpath, {@code -Dworking.directory} and the instance's logback.xml, its
 * output appended to {@code james.log} in the instance folder. Ready when its SMTP and WebAdmin ports listen (and a
 * condition of the caller's, if given). It can be stopped (SIGTERM), killed (SIGKILL) and started again: the
 * instance folder is left as the server left it ({@code var/} included); for a fresh one, create a new instance.
 * JDK only.
 */
public final class JamesProcess implements AutoCloseable {
    /** The stock memory server's main class, the one ./james.sh runs. */
    public static final String MEMORY_SERVER = "org.apache.james.MemoryJamesServerMain";
    /** The cluster server of docs/cluster.md (james-server's jar in lib/): the memory server with its hold in Cassandra. */
    public static final String CLUSTER_SERVER = "org.jamesetrn.server.cassandra.ClusterJamesServerMain";
    /**
     * The same server with its mail queue in James's embedded ActiveMQ broker, kept in the instance folder
     * ({@code ./james.sh --queue activemq}; james-server's jar, in the same lib/).
     */
    public static final String ACTIVEMQ_SERVER = "org.jamesetrn.server.ActiveMQJamesServerMain";

    /** How to launch: main class, JVM options, readiness. */
    public static final class Builder {
        private final JamesInstance instance;
        private final Path lib;
        private String mainClass = MEMORY_SERVER;
        private final List<String> jvmOptions = new ArrayList<>();
        private BooleanSupplier ready = () -> true;
        private Duration startupTimeout = Duration.ofSeconds(180);

        private Builder(JamesInstance instance, Path lib) {
            this.instance = instance;
            this.lib = lib;
        }

        /** Another James flavour of the same classpath (default {@link #MEMORY_SERVER}). */
        public Builder mainClass(String mainClass) {
            this.mainClass = mainClass;
            return this;
        }

        /** More JVM options ({@code -Xmx2g}, {@code -XX:...}, {@code -Dkey=value}), in this order. */
        public Builder jvmOptions(List<String> options) {
            jvmOptions.addAll(options);
            return this;
        }

        /** A further condition of readiness, checked once both ports listen (a route answering, a queue existing). */
        public Builder readyWhen(BooleanSupplier condition) {
            this.ready = condition;
            return this;
        }

        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = timeout;
            return this;
        }

        /** Launches it and waits until it is ready. */
        public JamesProcess start() throws IOException, InterruptedException {
            JamesProcess james = new JamesProcess(this);
            james.start();
            return james;
        }
    }

    private final JamesInstance instance;
    private final ServerProcess process;
    private final BooleanSupplier ready;
    private final Duration startupTimeout;

    private JamesProcess(Builder builder) {
        this.instance = builder.instance;
        this.ready = builder.ready;
        this.startupTimeout = builder.startupTimeout;
        Path directory = instance.directory();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(builder.jvmOptions);
        command.addAll(List.of(
            "-Dworking.directory=" + directory,
            "-Dlogback.configurationFile=" + directory.resolve("conf/logback.xml"),
            "-cp", builder.lib + "/*",
            builder.mainClass));
        this.process = new ServerProcess(command, directory, directory.resolve("james.log")).killOnExit();
    }

    /** The server of this instance, run from the assembled server's lib/ (see {@link Repository#serverLib()}). */
    public static Builder on(JamesInstance instance, Path lib) {
        return new Builder(instance, lib);
    }

    /**
     * Launches it (again, after {@link #stop()} or {@link #kill()}) and waits until it is ready; if it exits or is
     * not ready in time, it is killed and the error names the log.
     */
    public void start() throws IOException, InterruptedException {
        process.startAndAwait("James", startupTimeout,
            () -> Ports.listening(instance.smtpPort()) && Ports.listening(instance.webAdminPort()) && ready.getAsBoolean());
    }

    /** SIGTERM, 30 s of grace, then SIGKILL. */
    public void stop() throws InterruptedException {
        process.stop(Duration.ofSeconds(30));
    }

    /** SIGKILL: James gets no chance to shut down. */
    public void kill() throws InterruptedException {
        process.kill();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public JamesInstance instance() {
        return instance;
    }

    public int smtpPort() {
        return instance.smtpPort();
    }

    public int webAdminPort() {
        return instance.webAdminPort();
    }

    public Path log() {
        return process.log();
    }

    /** Where the log ends now: what James logs later is read with {@link #logSince}. */
    public long logLength() throws IOException {
        return process.logLength();
    }

    public String logSince(long offset) throws IOException {
        return process.logSince(offset);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
