package org.jamesetrn.kit;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * A server run as a separate process ({@code ./james.sh}, {@code java ...}), everything it prints appended to a log
 * file: started, stopped by SIGTERM (SIGKILL after a grace period) or killed at once, and started again with the
 * same command in the same directory. JDK only.
 */
public final class ServerProcess implements AutoCloseable {
    private static final Duration AFTER_KILL = Duration.ofSeconds(30);

    private final List<String> command;
    private final Path directory;
    private final Path log;
    private Process process;

    public ServerProcess(List<String> command, Path directory, Path log) {
        this.command = List.copyOf(command);
        this.directory = directory;
        this.log = log;
    }

    /**
     * Kills the process (SIGKILL) if this JVM exits while it still runs, so that no server outlives an aborted run (a
     * test JVM stopped by Maven's timeout, Ctrl-C). A clean stop before the exit is unaffected.
     */
    public ServerProcess killOnExit() {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "kill-on-exit"));
        return this;
    }

    /** Starts the command (again), its output appended to the log. */
    public synchronized ServerProcess start() throws IOException {
        if (isAlive()) {
            throw new IllegalStateException("already running (pid " + pid() + "): " + command);
        }
        process = new ProcessBuilder(command)
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
        return this;
    }

    /**
     * Starts the command and waits until it is ready; if it exits first, or is not ready in time (then it is killed),
     * the error names the log. Returns how long it took.
     */
    public Duration startAndAwait(String what, Duration timeout, BooleanSupplier ready) throws IOException, InterruptedException {
        long started = System.nanoTime();
        start();
        boolean up = Poll.until(timeout, Duration.ofMillis(250), () -> !isAlive() || ready.getAsBoolean());
        if (!isAlive()) {
            throw new IllegalStateException(what + " exited at start-up, see " + log);
        }
        if (!up) {
            kill();
            throw new IllegalStateException(what + " was not ready in " + timeout.toSeconds() + " s, see " + log);
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("never started: " + command);
        }
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /** Where the log ends now: what is written later is read with {@link #logSince}. */
    public long logLength() throws IOException {
        return Files.exists(log) ? Files.size(log) : 0;
    }

    /** The log from this offset on. */
    public String logSince(long offset) throws IOException {
        try (SeekableByteChannel channel = Files.newByteChannel(log)) {
            channel.position(Math.min(offset, channel.size()));
            return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * SIGTERM, then SIGKILL if the process is still there after {@code grace}; returns whether it ended on SIGTERM.
     * Nothing if it is not running.
     */
    public synchronized boolean stop(Duration grace) throws InterruptedException {
        if (!isAlive()) {
            return true;
        }
        process.destroy();
        if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            return true;
        }
        kill();
        return false;
    }

    /**
     * SIGKILL now (a crash, as far as the server can tell), and waits for the process to end. The processes it
     * started die with it (a script's server: RabbitMQ's Erlang VM and port mapper under {@code rabbitmq.sh}), so
     * that none outlives it.
     */
    public synchronized void kill() throws InterruptedException {
        if (isAlive()) {
            List<ProcessHandle> children = process.descendants().collect(Collectors.toList());
            process.destroyForcibly().waitFor(AFTER_KILL.toMillis(), TimeUnit.MILLISECONDS);
            for (ProcessHandle child : children) {
                child.destroyForcibly();
            }
            for (ProcessHandle child : children) {
                child.onExit().completeOnTimeout(child, AFTER_KILL.toMillis(), TimeUnit.MILLISECONDS).join();
            }
        }
    }

    /** Stops it, 30 s of grace. */
    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofSeconds(30));
    }
}
