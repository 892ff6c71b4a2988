package org.jamesetrn.kit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Debian's Postfix as the comparison relay: an instance of its own ({@code postfix -c DIR}, own queue directory),
 * one smtpd on 127.0.0.1:PORT only (no port 25), relaying the node to the sink with {@code fast_flush_domains}, so
 * ETRN flushes the node's deferred mail. Retries an hour apart, like James's conf: deferred mail stays deferred until
 * ETRN. Needs root (Postfix's master runs as root) and the package (bench/run-bench.sh --postfix installs it).
 * JDK only.
 */
public final class Postfix implements AutoCloseable {
    private static final Path POSTFIX = Path.of("/usr/sbin/postfix");

    private final Path dir;
    /** Where the instance lives: {@link #dir}, or a folder under /tmp when Postfix's own user cannot reach it. */
    private Path home;
    private final int smtpPort;
    private final int sinkPort;
    private final List<String> nodes;

    /** An instance in {@code dir} (recreated at start) listening on 127.0.0.1:smtpPort, relaying the node to 127.0.0.1:sinkPort. */
    public Postfix(Path dir, int smtpPort, int sinkPort, String node) {
        this(dir, smtpPort, sinkPort, List.of(node));
    }

    /** The same relaying several nodes, each to 127.0.0.1:sinkPort. */
    public Postfix(Path dir, int smtpPort, int sinkPort, List<String> nodes) {
        this.dir = dir;
        this.home = dir;
        this.smtpPort = smtpPort;
        this.sinkPort = sinkPort;
        this.nodes = List.copyOf(nodes);
    }

    /** Installed, and this JVM runs as root. */
    public static boolean available() {
        return Files.isExecutable(POSTFIX) && "root".equals(System.getProperty("user.name"));
    }

    public int smtpPort() {
        return smtpPort;
    }

    public String version() throws Exception {
        return "Postfix " + run("/usr/sbin/postconf", "-c", conf().toString(), "-h", "mail_version").trim();
    }

    public void start() throws Exception {
        Trees.delete(dir);
        home = reachableByPostfix(dir) ? dir : temporaryHome();
        Files.createDirectories(conf());
        Files.createDirectories(home.resolve("spool"));
        Files.createDirectories(home.resolve("data"));
        Files.writeString(conf().resolve("main.cf"), String.join("\n",
            "compatibility_level = 3.6",
            "queue_directory = " + home.resolve("spool"),
            "data_directory = " + home.resolve("data"),
            "maillog_file = " + home.resolve("maillog"),
            "maillog_file_prefixes = " + home,
            "myhostname = relay.bench.test",
            "mydestination =",
            "inet_interfaces = loopback-only",
            "inet_protocols = ipv4",
            "mynetworks = 127.0.0.0/8",
            "relay_domains = " + String.join(" ", nodes),
            "fast_flush_domains = $relay_domains",
            "transport_maps = inline:{" + nodes.stream().map(node -> node + "=smtp:[127.0.0.1]:" + sinkPort)
                .collect(Collectors.joining(", ")) + "}",
            "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination",
            "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination",
            "local_recipient_maps =",
            "alias_maps =",
            "alias_database =",
            "smtp_tls_security_level = none",
            "smtpd_tls_security_level = none",
            "minimal_backoff_time = 3600s",
            "maximal_backoff_time = 7200s",
            "queue_run_delay = 3600s",
            "smtp_connect_timeout = 5s",
            "") );
        Files.writeString(conf().resolve("master.cf"), String.join("\n",
            "127.0.0.1:" + smtpPort + " inet n - n - - smtpd",
            "pickup    unix  n - n 60 1 pickup",
            "cleanup   unix  n - n - 0 cleanup",
            "qmgr      unix  n - n 300 1 qmgr",
            "rewrite   unix  - - n - - trivial-rewrite",
            "bounce    unix  - - n - 0 bounce",
            "defer     unix  - - n - 0 bounce",
            "trace     unix  - - n - 0 bounce",
            "verify    unix  - - n - 1 verify",
            "flush     unix  n - n 1000? 0 flush",
            "proxymap  unix  - - n - - proxymap",
            "smtp      unix  - - n - - smtp",
            "relay     unix  - - n - - smtp",
            "showq     unix  n - n - - showq",
            "error     unix  - - n - - error",
            "retry     unix  - - n - - error",
            "discard   unix  - - n - - discard",
            "local     unix  - n n - - local",
            "anvil     unix  - - n - 1 anvil",
            "scache    unix  - - n - 1 scache",
            "postlog   unix-dgram n - n - 1 postlogd",
            ""));
        // Postfix's master writes its lock there as the postfix user.
        Files.setOwner(home.resolve("data"), home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postfix"));
        run(POSTFIX.toString(), "-c", conf().toString(), "start");
        if (!Poll.until(Duration.ofSeconds(30), Duration.ofMillis(200), this::greets)) {
            throw new IllegalStateException("Postfix did not answer on 127.0.0.1:" + smtpPort + ", see " + home.resolve("maillog"));
        }
    }

    /**
     * Postfix's daemons run as the postfix user and open the queue and data folders themselves: every folder above
     * them must be open to others (a clone under {@code mktemp -d}, mode 700, is not: the master then fails on its
     * lock file with "Permission denied").
     */
    private static boolean reachableByPostfix(Path dir) throws IOException {
        for (Path folder = dir.toAbsolutePath().getParent(); folder != null; folder = folder.getParent()) {
            if (Files.exists(folder)
                && !Files.getPosixFilePermissions(folder).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                return false;
            }
        }
        return true;
    }

    private static Path temporaryHome() throws IOException {
        Path home = Files.createTempDirectory(Path.of("/tmp"), "james-etrn-postfix-");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    private boolean greets() {
        try (SmtpClient client = SmtpClient.connect(smtpPort)) {
            return client.greeting().code() == 220;
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    /** Sends {@code count} mails for the node over SMTP (sink down) and waits until Postfix has deferred them all. */
    public void fillDeferred(int count, String prefix) throws Exception {
        int connections = 4;
        ExecutorService senders = Executors.newFixedThreadPool(connections);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                int first = c;
                done.add(senders.submit(() -> {
                    try (SmtpClient client = SmtpClient.connect(smtpPort)) {
                        client.ehlo();
                        for (int i = first; i < count; i += connections) {
                            SmtpClient.Reply reply = client.send("bench@relay.bench.test", List.of("u" + i + "@" + nodes.get(0)),
                                "<" + prefix + "-" + i + "@bench>");
                            if (!reply.positive()) {
                                throw new IllegalStateException("Postfix refused mail: " + reply);
                            }
                        }
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            senders.shutdown();
        }
        if (!Poll.until(Duration.ofSeconds(120 + count / 50), Duration.ofMillis(100), () -> deferred() >= count)) {
            throw new IllegalStateException("Postfix deferred only " + deferred() + " of " + count);
        }
    }

    /** The mails in Postfix's deferred queue (one file each). */
    public long deferred() {
        Path deferred = home.resolve("spool/deferred");
        if (!Files.isDirectory(deferred)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(deferred)) {
            return files.filter(Files::isRegularFile).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes every queued mail. */
    public void purge() throws Exception {
        run("/usr/sbin/postsuper", "-c", conf().toString(), "-d", "ALL");
    }

    private Path conf() {
        return home.resolve("etc");
    }

    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        try {
            run(POSTFIX.toString(), "-c", conf().toString(), "stop");
        } catch (IllegalStateException e) {
            System.err.println("postfix stop: " + e.getMessage());
        }
        if (!home.equals(dir)) {
            // Its log stays where the caller looks for the instance.
            Files.createDirectories(dir);
            if (Files.exists(home.resolve("maillog"))) {
                Files.copy(home.resolve("maillog"), dir.resolve("maillog"), StandardCopyOption.REPLACE_EXISTING);
            }
            Trees.delete(home);
        }
    }
}
