package org.jamesetrn.bench;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.jamesetrn.kit.Conf;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.JamesProcess;
import org.jamesetrn.kit.Poll;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.Postfix;
import org.jamesetrn.kit.Repository;
import org.jamesetrn.kit.SmtpClient;

/**
 * The ETRN benchmark (issue 6): starts the assembled James as a separate process with a loopback sink as the
 * node's MX, fills RemoteDelivery's queue with deferred mail, and measures ETRN reply latency, ETRN-triggered
 * delivery, selectivity, James's WebAdmin flush as the baseline, optionally Postfix, and resident memory. Prints a
 * markdown report and writes it to a file. It measures and reports pass/miss; it never fails on a miss.
 *
 * <p>Usage: {@code bench/run-bench.sh [--quick] [--postfix] [--no-memory] [--out FILE]}.</p>
 */
public final class Bench {
    static final String QUEUE = "outgoing-smarthost";
    static final String NODE = "customer.test";
    static final String OTHERS = IntStream.range(0, 50).mapToObj(i -> "other-" + i + ".example")
        .collect(Collectors.joining(","));

    private final Options options;
    private final Report report;
    private int runId;

    private Bench(Options options) {
        this.options = options;
        this.report = new Report(options);
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        new Bench(options).run();
    }

    private void run() throws Exception {
        long start = System.nanoTime();
        boolean others = !options.odmrOnly;
        try (CustomerMx sink = new CustomerMx(Ports.free())) {
            sink.start();
            if (others && !options.postfixOnly && !options.holdOnly && !options.activemqOnly) {
                try (JamesServer james = james(true, sink, "james")) {
                    log("James with ETRN started (pid " + james.pid() + "), sink on 127.0.0.1:" + sink.port());
                    latencyAndSelectivity(james, sink);
                    deliveries(james, sink);
                }
            }
            if (others && options.memory && !options.postfixOnly && !options.holdOnly && !options.activemqOnly) {
                memory(sink);
            }
            if (others && options.activemq && !options.postfixOnly && !options.holdOnly) {
                ActiveMQRuns activemq = new ActiveMQRuns(this, options,
                    (name, mx, edits, withExtension, jvmOptions) -> activemq(withExtension, mx, name, edits, jvmOptions));
                activemq.run(sink);
                report.activemq = activemq;
                report.sites = sites(sink);
            }
            if (others && options.hold && !options.postfixOnly && !options.activemqOnly) {
                HoldRuns hold = new HoldRuns(options, (name, mx, edits, jvmOptions) -> james(true, mx, name, edits, jvmOptions));
                hold.run(sink);
                report.hold = hold;
            }
            if (others && options.postfix && !options.activemqOnly) {
                postfix(sink);
            }
            if (options.odmr && !options.postfixOnly && !options.holdOnly && !options.activemqOnly) {
                report.odmr = odmr(sink);
            }
        }
        report.totalSeconds = (System.nanoTime() - start) / 1e9;
        String markdown = report.render();
        System.out.println(markdown);
        Files.createDirectories(options.out.toAbsolutePath().getParent());
        Files.writeString(options.out, markdown);
        log("written to " + options.out);
    }

    /** Section 10 (issue 19): ATRN, the hold's ETRN and, with --postfix, Postfix's ETRN, the customer 20 ms late. */
    private OdmrRuns odmr(CustomerMx sink) throws Exception {
        OdmrRuns odmr = new OdmrRuns(options, (name, mx, edits, jvmOptions) -> james(true, mx, name, edits, jvmOptions));
        int n = options.nodeMails;
        if (options.postfix && Postfix.available()) {
            try (Postfix postfix = new Postfix(options.workDir.resolve("postfix-odmr"), Ports.free(), sink.port(), NODE)) {
                postfix.start();
                odmr.run(sink, Map.of("ETRN, " + postfix.version() + " (its deferred queue, to the customer's MX)",
                    (mx, runs) -> postfixRun(postfix, mx, runs, n)));
            }
        } else {
            odmr.run(sink, Map.of());
        }
        return odmr;
    }

    private JamesServer james(boolean withExtension, CustomerMx sink, String name, String... jvmOptions) throws Exception {
        return james(withExtension, sink, name, conf -> { }, jvmOptions);
    }

    private JamesServer james(boolean withExtension, CustomerMx sink, String name, Consumer<Conf> edits,
                              String... jvmOptions) throws Exception {
        return server(JamesProcess.MEMORY_SERVER, withExtension, sink, name, edits, jvmOptions);
    }

    /** The persistent server of ./james.sh --queue activemq. */
    private JamesServer activemq(boolean withExtension, CustomerMx sink, String name, Consumer<Conf> edits,
                                 String... jvmOptions) throws Exception {
        return server(JamesProcess.ACTIVEMQ_SERVER, withExtension, sink, name, edits, jvmOptions);
    }

    private JamesServer server(String mainClass, boolean withExtension, CustomerMx sink, String name, Consumer<Conf> edits,
                               String... jvmOptions) throws Exception {
        List<String> jvm = options.jvm();
        jvm.addAll(List.of(jvmOptions));
        return JamesServer.start(Repository.at(options.repo), options.workDir.resolve(name), options.probeJar, withExtension,
            sink.port(), jvm, edits, mainClass);
    }

    /**
     * Section 9: the node's 1,000, nothing else queued, released by James on each queue and by Postfix: connections
     * the site sees at once, and the last delivery when the site answers every command late.
     */
    private SiteRuns sites(CustomerMx sink) throws Exception {
        SiteRuns sites = new SiteRuns(options);
        int n = options.nodeMails;
        try (JamesServer james = james(true, sink, "james-site-memory")) {
            sites.measure("James, memory queue", sink, (mx, runs) -> jamesRelease(james, mx, runs, n));
        }
        try (JamesServer james = activemq(true, sink, "james-site-activemq", conf -> { })) {
            sites.measure("James, ActiveMQ queue", sink, (mx, runs) -> jamesRelease(james, mx, runs, n));
        }
        if (options.postfix && Postfix.available()) {
            try (Postfix postfix = new Postfix(options.workDir.resolve("postfix-site"), Ports.free(), sink.port(), NODE)) {
                postfix.start();
                sites.measure(postfix.version(), sink, (mx, runs) -> postfixRun(postfix, mx, runs, n));
            }
        }
        return sites;
    }

    private void jamesRelease(JamesServer james, CustomerMx sink, DeliveryRuns runs, int n) throws Exception {
        james.clear(QUEUE);
        james.fillDeferred(QUEUE, n, NODE, "site-" + (++runId));
        etrnRun(james, sink, runs, n, true);
    }

    /** Scenarios 1 and 3 at each size: the queue holds 0, 10,000 or 100,000 other deferred mails. */
    private void latencyAndSelectivity(JamesServer james, CustomerMx sink) throws Exception {
        for (int size : options.queueSizes) {
            james.clear(QUEUE);
            long fillMs = james.fillDeferred(QUEUE, size, OTHERS, "other" + size);
            log("queue holds " + james.size(QUEUE) + " deferred (" + fillMs + " ms to fill)");
            report.latency.put(size, latency(james, sink));
            if (size > 0) {
                report.selectivity.put(size, selectivity(james, sink, size));
            }
            if (size == 100_000) {
                report.rssUnderLoadKib = james.rssKib();
            }
        }
        james.clear(QUEUE);
    }

    Report.Latency latency(JamesServer james, CustomerMx sink) throws Exception {
        Report.Latency result = new Report.Latency();
        sink.forget();
        long logOffset = james.logLength();
        result.etrnSent = alternate(james.smtpPort(), NODE, options.latencySamples, result.noop, result.etrn, result.replies);
        awaitQuiet(sink, 300);
        result.strayDeliveries = sink.deliveryCount();
        result.releasesRun = james.releasesLogged(logOffset, NODE);
        log("latency with " + james.size(QUEUE) + " queued: NOOP " + result.noop.format() + ", ETRN " + result.etrn.format()
            + " " + result.replies);
        return result;
    }

    /**
     * NOOP and {@code ETRN node} alternately on one connection: {@code samples / 5} pairs to warm up, then
     * {@code samples} pairs whose reply times (and ETRN replies) are recorded. Returns the ETRNs sent.
     */
    static long alternate(int smtpPort, String node, int samples, Stats noop, Stats etrn, Map<String, Integer> replies) {
        int warmUp = samples / 5;
        try (SmtpClient client = connect(smtpPort)) {
            for (int i = 0; i < warmUp + samples; i++) {
                SmtpClient.Reply noopReply = client.command("NOOP");
                SmtpClient.Reply etrnReply = client.command("ETRN " + node);
                if (i >= warmUp) {
                    noop.add(noopReply.nanos());
                    etrn.add(etrnReply.nanos());
                    replies.merge(etrnReply.last(), 1, Integer::sum);
                }
            }
        }
        return warmUp + samples;
    }

    DeliveryRuns selectivity(JamesServer james, CustomerMx sink, int others) throws Exception {
        DeliveryRuns runs = new DeliveryRuns(options.nodeMails + " among " + others, options.nodeMails);
        for (int run = 0; run < options.runs(options.nodeMails); run++) {
            james.fillDeferred(QUEUE, options.nodeMails, NODE, "node-" + (++runId));
            if (!etrnRun(james, sink, runs, options.nodeMails, false)) {
                break;
            }
        }
        runs.othersLeft = Long.toString(awaitSize(james, runs.incomplete == 0 ? others : others + options.nodeMails));
        log("selectivity " + runs.label + ": reply " + runs.reply.format() + ", last " + runs.last.format()
            + ", others delivered " + runs.othersDelivered + ", queue after " + runs.othersLeft);
        return runs;
    }

    /** Scenarios 2 and 4: the queue holds only the node's N deferred mails. */
    private void deliveries(JamesServer james, CustomerMx sink) throws Exception {
        for (int n : options.nodeSizes) {
            DeliveryRuns etrn = new DeliveryRuns(Integer.toString(n), n);
            DeliveryRuns flush = new DeliveryRuns(Integer.toString(n), n);
            for (int run = 0; run < options.runs(n); run++) {
                james.clear(QUEUE);
                james.fillDeferred(QUEUE, n, NODE, "node-" + (++runId));
                etrnRun(james, sink, etrn, n, true);
                james.clear(QUEUE);
                james.fillDeferred(QUEUE, n, NODE, "node-" + (++runId));
                flushRun(james, sink, flush, n);
            }
            report.etrnDeliveries.put(n, etrn);
            report.flushDeliveries.put(n, flush);
            log("N=" + n + ": ETRN reply " + etrn.reply.format() + " first " + etrn.first.format() + " last " + etrn.last.format()
                + " conns " + etrn.connectionsText() + " | flush reply " + flush.reply.format() + " last " + flush.last.format());
        }
        james.clear(QUEUE);
    }

    /** One ETRN for the node and its deliveries; an incomplete run clears the queue if {@code clearOnMiss}. */
    private boolean etrnRun(JamesServer james, CustomerMx sink, DeliveryRuns runs, int n, boolean clearOnMiss) throws Exception {
        boolean complete = etrnRun(james, sink, runs, NODE, n);
        if (!complete && clearOnMiss) {
            james.clear(QUEUE);
        }
        return complete;
    }

    /** One ETRN for {@code node} and its n deliveries: reply, handed back (the engine's last line), first and last. */
    static boolean etrnRun(JamesServer james, CustomerMx sink, DeliveryRuns runs, String node, int n) throws Exception {
        boolean complete;
        try (SmtpClient client = connect(james.smtpPort())) {
            sink.forget();
            long logOffset = james.logLength();
            long startMillis = System.currentTimeMillis();
            long start = System.nanoTime();
            SmtpClient.Reply reply = client.command("ETRN " + node);
            complete = reply.positive() && awaitNodeDeliveries(sink, node, n);
            runs.add(reply.nanos(), reply.last(), sink, start, complete);
            long released = james.releaseLoggedAtMillis(logOffset, node);
            if (released > 0) {
                runs.release.add(Math.max(0, released - startMillis) * 1_000_000L);
            }
            if (!complete) {
                log("ETRN run incomplete: reply " + reply.last() + ", " + sink.deliveryCount(node) + "/" + n + " delivered");
            }
        }
        awaitQuiet(sink, 100);
        return complete;
    }

    private void flushRun(JamesServer james, CustomerMx sink, DeliveryRuns runs, int n) throws Exception {
        sink.forget();
        long start = System.nanoTime();
        HttpResponse<String> response = james.flush(QUEUE);
        long replyNanos = System.nanoTime() - start;
        boolean ok = response.statusCode() / 100 == 2;
        boolean complete = ok && awaitNodeDeliveries(sink, n);
        runs.add(replyNanos, "HTTP " + response.statusCode(), sink, start, complete);
        if (!complete) {
            log("flush run incomplete: HTTP " + response.statusCode() + ", " + sink.deliveryCount(NODE) + "/" + n + " delivered");
            james.clear(QUEUE);
        }
        awaitQuiet(sink, 100);
    }

    /** Waits until {@code n} deliveries for the node arrived or the time allowed for n passed; returns whether they did. */
    private static boolean awaitNodeDeliveries(CustomerMx sink, int n) throws InterruptedException {
        return awaitNodeDeliveries(sink, NODE, n);
    }

    private static boolean awaitNodeDeliveries(CustomerMx sink, String node, int n) throws InterruptedException {
        return Poll.until(Duration.ofMillis(30_000L + 30L * n), Duration.ofMillis(2), () -> sink.deliveryCount(node) >= n);
    }

    /** Waits until no delivery arrived for {@code quietMillis}: lets stray deliveries show before counting them. */
    private static void awaitQuiet(CustomerMx sink, long quietMillis) throws InterruptedException {
        long since = System.nanoTime();
        long quiet = quietMillis * 1_000_000L;
        Poll.until(Duration.ofMinutes(10), Duration.ofMillis(Math.min(quietMillis, 50)),
            () -> System.nanoTime() - Math.max(since, sink.lastDeliveryNanos()) >= quiet);
    }

    private static long awaitSize(JamesServer james, long expected) throws Exception {
        long[] size = {james.size(QUEUE)};
        Poll.until(Duration.ofSeconds(10), Duration.ofMillis(50), () -> {
            try {
                size[0] = james.size(QUEUE);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return size[0] == expected;
        });
        return size[0];
    }

    /** A session on the server's SMTP port, after EHLO; replies may take up to 2 minutes. */
    static SmtpClient connect(int port) {
        SmtpClient client = SmtpClient.to(port).timeout(Duration.ofMinutes(2)).connect();
        client.ehlo();
        return client;
    }

    /** Resident memory of a fresh server holding 100,000 deferred mails, with and without the extension. */
    private void memory(CustomerMx sink) throws Exception {
        for (boolean withExtension : new boolean[] {true, false}) {
            // After the full GC, G1 gives back the heap it does not need: RSS then follows the live data.
            try (JamesServer james = james(withExtension, sink, withExtension ? "james-memory-etrn" : "james-memory-stock",
                "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20")) {
                james.fillDeferred(QUEUE, options.memoryMails, OTHERS, "mem");
                try (SmtpClient client = connect(james.smtpPort())) {
                    client.etrn(NODE);
                }
                long heap = james.heapUsedAfterGcKib();
                Thread.sleep(1000);
                long rss = james.rssKib();
                report.memory.put(withExtension ? "James 3.8.1 + ETRN extension" : "James 3.8.1 stock (no extension)",
                    new long[] {rss, heap});
                log("memory " + (withExtension ? "with" : "without") + " extension: RSS " + rss / 1024 + " MiB, heap after GC "
                    + heap / 1024 + " MiB");
            }
        }
    }

    private void postfix(CustomerMx sink) throws Exception {
        if (!Postfix.available()) {
            report.postfixNote = "Postfix not installed (bench/run-bench.sh --postfix installs it with apt-get).";
            return;
        }
        try (Postfix postfix = new Postfix(options.workDir.resolve("postfix"), Ports.free(), sink.port(), NODE)) {
            postfix.start();
            report.postfixVersion = postfix.version();
            for (int n : options.nodeSizes) {
                DeliveryRuns runs = new DeliveryRuns(Integer.toString(n), n);
                for (int run = 0; run < options.runs(n); run++) {
                    postfixRun(postfix, sink, runs, n);
                }
                report.postfixDeliveries.put(n, runs);
                log("Postfix N=" + n + ": reply " + runs.reply.format() + " last " + runs.last.format() + " conns "
                    + runs.connectionsText());
            }
        }
    }

    /** Postfix defers n mails (sent while the sink is down), then ETRN with the sink up; the deliveries recorded. */
    private void postfixRun(Postfix postfix, CustomerMx sink, DeliveryRuns runs, int n) throws Exception {
        sink.stop();
        postfix.fillDeferred(n, "pf-" + (++runId));
        sink.start();
        try (SmtpClient client = connect(postfix.smtpPort())) {
            sink.forget();
            long start = System.nanoTime();
            SmtpClient.Reply reply = client.command("ETRN " + NODE);
            boolean complete = reply.positive() && awaitNodeDeliveries(sink, n);
            runs.add(reply.nanos(), reply.last(), sink, start, complete);
        }
        awaitQuiet(sink, 200);
        postfix.purge();
    }

    static void log(String message) {
        System.err.println("[bench] " + message);
    }

    /** Command-line options; --quick trades precision for a run of a few minutes. */
    static final class Options extends BenchOptions {
        Options() {
            super("2g", "bench/run-bench.sh");
        }

        boolean postfix;
        boolean postfixOnly;
        boolean memory = true;
        boolean hold = true;
        boolean holdOnly;
        boolean activemq = true;
        boolean activemqOnly;
        boolean odmr = true;
        boolean odmrOnly;
        int activeMQOthers = 100_000;
        int holdOthers = 100_000;
        Path workDir;
        List<Integer> queueSizes = List.of(0, 10_000, 100_000);
        List<Integer> nodeSizes = List.of(100, 1_000, 10_000);
        int nodeMails = 1_000;
        int memoryMails = 100_000;
        int latencySamples = 500;
        int runsSmall = 5;
        int runsLarge = 3;

        int runs(int n) {
            return n >= 10_000 ? runsLarge : runsSmall;
        }

        static Options parse(String[] args) {
            Options options = new Options();
            options.parse(args, (arg, rest) -> {
                switch (arg) {
                    case "--postfix":
                        options.postfix = true;
                        return true;
                    case "--postfix-only":
                        options.postfix = true;
                        options.postfixOnly = true;
                        return true;
                    case "--no-memory":
                        options.memory = false;
                        return true;
                    case "--no-hold":
                        options.hold = false;
                        return true;
                    case "--hold-only":
                        options.holdOnly = true;
                        return true;
                    case "--no-activemq":
                        options.activemq = false;
                        return true;
                    case "--activemq-only":
                        options.activemqOnly = true;
                        return true;
                    case "--no-odmr":
                        options.odmr = false;
                        return true;
                    case "--odmr-only":
                        options.odmrOnly = true;
                        return true;
                    default:
                        return false;
                }
            }, "[--quick] [--postfix] [--postfix-only] [--no-memory] [--no-hold] [--hold-only] [--no-activemq]"
                + " [--activemq-only] [--no-odmr] [--odmr-only] [--out FILE] [--heap 2g] [--jvm OPTION]");
            if (options.quick) {
                options.queueSizes = List.of(0, 10_000);
                options.nodeSizes = List.of(100, 1_000);
                options.latencySamples = 100;
                options.runsSmall = 2;
                options.runsLarge = 1;
                options.memoryMails = 10_000;
                options.holdOthers = 10_000;
                options.activeMQOthers = 10_000;
            }
            // A partial run never overwrites the full report.
            String report = options.activemqOnly ? "bench/results-activemq" : options.holdOnly ? "bench/results-hold"
                : options.odmrOnly ? "bench/results-odmr" : "bench/results";
            options.finish(report + (options.quick ? "-quick.md" : ".md"));
            options.workDir = options.repo.resolve("integration-tests/target/bench");
            return options;
        }

        Map<String, String> describe() {
            Map<String, String> description = new LinkedHashMap<>();
            description.put("mode", quick ? "quick" : "full");
            description.put("queue sizes", queueSizes.toString());
            description.put("node sizes", nodeSizes.toString());
            description.put("latency samples per size", Integer.toString(latencySamples));
            description.put("runs per case", runsSmall + " (" + runsLarge + " for 10,000)");
            return description;
        }
    }
}
