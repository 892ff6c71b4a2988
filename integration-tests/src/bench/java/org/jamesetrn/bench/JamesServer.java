package org.jamesetrn.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jamesetrn.kit.CassandraNode;
import org.jamesetrn.kit.ClusterConf;
import org.jamesetrn.kit.Conf;
import org.jamesetrn.kit.EtrnExtension;
import org.jamesetrn.kit.JamesInstance;
import org.jamesetrn.kit.JamesProcess;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.ProbeRoutes;
import org.jamesetrn.kit.RabbitMQNode;
import org.jamesetrn.kit.Repository;
import org.jamesetrn.kit.WebAdmin;

/**
 * The assembled stock James memory server (james-server/target/james: lib/, conf/, extensions-jars/) started as a
 * separate process by the kit's {@link JamesProcess}, the way ./james.sh starts it, in its own working directory
 * with a copy of conf/ and these benchmark overrides only: loopback ports, the smarthost route's gatewayPort pointed
 * at the sink, the ETRN rate limit off (the benchmark sends hundreds of ETRNs on one connection), and the kit's
 * probe routes ({@link ProbeRoutes}: they fill a queue with deferred mail and the hold with held mail), added to the
 * routes conf/ ships. Without the extension, the ETRN handler, its module, its jars and its WebAdmin route are left
 * out. The main class is the memory server's, the ActiveMQ server's ({@link JamesProcess#ACTIVEMQ_SERVER}), or the
 * cluster server's ({@link #startCluster}: docs/cluster.md, on a Cassandra node).
 */
final class JamesServer implements AutoCloseable {
    private final JamesProcess process;
    private final WebAdmin webAdmin;
    private final ProbeRoutes probe;

    private JamesServer(JamesProcess process) {
        this.process = process;
        this.webAdmin = new WebAdmin(process.webAdminPort(), Duration.ofMinutes(5));
        this.probe = new ProbeRoutes(webAdmin);
    }

    /** A fresh instance in {@code workDir} and the server started on it; one that does not come up is stopped. */
    static JamesServer start(Repository repository, Path workDir, Path probeJar, boolean withExtension, int sinkPort,
                             List<String> jvmOptions, Consumer<Conf> edits) throws Exception {
        return start(repository, workDir, probeJar, withExtension, sinkPort, jvmOptions, edits, JamesProcess.MEMORY_SERVER);
    }

    /**
     * A cluster server (docs/cluster.md) on this Cassandra and this RabbitMQ: conf/cluster applied, the held domains'
     * routes (the hold's and its release's, {@code HostIs=held.test} in conf/) extended to {@code heldDomains}, and the
     * ETRN handler serving {@code nodes}.
     */
    static JamesServer startCluster(Repository repository, Path workDir, Path probeJar, int sinkPort, CassandraNode cassandra,
                                    RabbitMQNode rabbitMQ, String heldDomains, String nodes, List<String> jvmOptions)
            throws Exception {
        return startCluster(repository, workDir, probeJar, sinkPort, cassandra, rabbitMQ, heldDomains, nodes, jvmOptions,
            conf -> { });
    }

    /** The same with more edits of its conf/, made last. */
    static JamesServer startCluster(Repository repository, Path workDir, Path probeJar, int sinkPort, CassandraNode cassandra,
                                    RabbitMQNode rabbitMQ, String heldDomains, String nodes, List<String> jvmOptions,
                                    Consumer<Conf> edits) throws Exception {
        return start(repository, workDir, probeJar, true, sinkPort, jvmOptions, conf -> {
            try {
                ClusterConf.apply(repository, conf, cassandra, rabbitMQ);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            conf.setElements("mailetcontainer.xml", "gatewayPort", String.valueOf(sinkPort)) // the cluster's file
                .setAttributes("mailetcontainer.xml", "mailet", "match", "HostIs=held.test", "HostIs=held.test," + heldDomains)
                .setAttributes("mailetcontainer.xml", "mailet", "match", "HostIs=held.test,customer.test",
                    "HostIs=held.test,customer.test," + heldDomains)
                .setElements("smtpserver.xml", "nodes", nodes);
            edits.accept(conf);
        }, JamesProcess.CLUSTER_SERVER);
    }

    /** The same with another main class of the assembled server's lib/ (the ActiveMQ server, the cluster server). */
    static JamesServer start(Repository repository, Path workDir, Path probeJar, boolean withExtension, int sinkPort,
                             List<String> jvmOptions, Consumer<Conf> edits, String mainClass) throws Exception {
        JamesInstance instance = JamesInstance.create(workDir, repository.assembledServer().resolve("conf"))
            .listenOn(Ports.free(), Ports.free())
            .gatewayPort(sinkPort);
        EtrnExtension extension = repository.extension();
        if (withExtension) {
            extension.installInto(instance);
            instance.conf().setElements("smtpserver.xml", "permits", "0");
        } else {
            extension.removeFrom(instance.conf());
        }
        ProbeRoutes.installInto(instance, probeJar);
        edits.accept(instance.conf());
        ProbeRoutes probe = new ProbeRoutes(new WebAdmin(instance.webAdminPort(), Duration.ofSeconds(5)));
        JamesProcess process = JamesProcess.on(instance, repository.serverLib())
            .mainClass(mainClass)
            .jvmOptions(jvmOptions)
            .readyWhen(() -> probe.answers(Bench.QUEUE))
            .startupTimeout(Duration.ofMinutes(5))
            .start();
        return new JamesServer(process);
    }

    int smtpPort() {
        return process.smtpPort();
    }

    /** The ODMR listener (RFC 2645), on a free loopback port. */
    int odmrPort() {
        return process.instance().odmrPort();
    }

    long pid() {
        return process.pid();
    }

    /** Enqueues {@code count} deferred mails (1 hour delay) round robin over {@code domains}; returns milliseconds. */
    long fillDeferred(String queue, int count, String domains, String prefix) throws Exception {
        return probe.fillDeferred(queue, count, domains, prefix);
    }

    /** Sends mails into the spool at the hold's processor (etrn-hold), where HoldForEtrn holds them. */
    void hold(int count, String domains, String prefix) throws Exception {
        probe.hold(count, domains, prefix);
    }

    /** Stores mails straight into James's repositories under {@code root}, without the extension. */
    void store(String root, int count, String domains, String prefix) throws Exception {
        probe.store(root, count, domains, prefix);
    }

    /** The mails in every repository under the root. */
    long held(String root) throws Exception {
        return probe.heldCount(root);
    }

    /** Empties every repository of the hold under {@code root}, behind the hold's back (its counts go stale). */
    void clearHold(String root) throws Exception {
        probe.clearHold(root);
    }

    long size(String queue) throws Exception {
        return probe.size(queue);
    }

    void clear(String queue) throws Exception {
        probe.clear(queue);
    }

    /** James's own WebAdmin flush: every delayed mail of the queue is re-enqueued for immediate delivery. */
    HttpResponse<String> flush(String queue) throws Exception {
        return webAdmin.patchJson("/mailQueues/" + queue + "/mails?delayed=true", "{\"delayed\": false}");
    }

    /** Where the server's log ends now: lines written later are read from here. */
    long logLength() throws IOException {
        return process.logLength();
    }

    /**
     * When the release engine logged the end of a release for {@code node} after {@code fromOffset} ("Release of node
     * x: n deferred mails selected, m dispatched for delivery", written once every selected mail is back in the queue),
     * in epoch milliseconds (the log has millisecond resolution), or -1.
     */
    long releaseLoggedAtMillis(long fromOffset, String node) throws IOException {
        return releasesLoggedAtMillis(fromOffset, node).stream().findFirst().orElse(-1L);
    }

    /** Every end of a release for {@code node} the engine logged after {@code fromOffset}, in epoch milliseconds. */
    List<Long> releasesLoggedAtMillis(long fromOffset, String node) throws IOException {
        Matcher line = Pattern.compile("(?m)^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) .*Release of node " + Pattern.quote(node)
            + ": \\d+ deferred mails selected, \\d+ dispatched for delivery").matcher(process.logSince(fromOffset));
        List<Long> times = new ArrayList<>();
        while (line.find()) {
            times.add(LocalDate.now().atTime(LocalTime.parse(line.group(1))).atZone(ZoneId.systemDefault()).toInstant()
                .toEpochMilli());
        }
        return times;
    }

    /** How many releases for {@code node} the engine logged after {@code fromOffset}. */
    long releasesLogged(long fromOffset, String node) throws IOException {
        return releaseLinesLogged(fromOffset, node, "\\d+ deferred mails selected,");
    }

    /** How many of the engine's lines for {@code node} after {@code fromOffset} go on with {@code what} (a regex). */
    long releaseLinesLogged(long fromOffset, String node, String what) throws IOException {
        Matcher line = Pattern.compile("Release of node " + Pattern.quote(node) + ": " + what)
            .matcher(process.logSince(fromOffset));
        long count = 0;
        while (line.find()) {
            count++;
        }
        return count;
    }

    /** Resident set size in KiB, from /proc. */
    long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** Runs a full GC in the server (jcmd) and returns the heap in use after it, in KiB (-1 if jcmd is missing). */
    long heapUsedAfterGcKib() throws Exception {
        jcmd("GC.run");
        String info = jcmd("GC.heap_info");
        Matcher used = Pattern.compile("used (\\d+)K").matcher(info);
        return used.find() ? Long.parseLong(used.group(1)) : -1;
    }

    private String jcmd(String what) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), what).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    /** SIGTERM, then a start on the same instance folder (a persistent queue keeps its mail). */
    void restart() throws IOException, InterruptedException {
        process.stop();
        process.start();
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
