package org.jamesetrn.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.jamesetrn.kit.Conf;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.Poll;

/**
 * Issues 10 and 11 in the benchmark: the hold on each root (memory:// and the shipped file://), with 100,000 mails
 * held for 100 other nodes: ETRN reply latency for a node with 1,000 held (the site answering 421, so that every ETRN
 * is a release of its own, probe included), ETRN → all 1,000 handed back → last delivered, and the heap per held mail
 * beyond James's own repository; then the queue path's ETRN → last delivery with probe first and without it.
 */
final class HoldRuns {
    static final String NODE = "held.test";
    static final String ROOTS_MEMORY = "memory://var/mail/etrn-hold/";
    static final String ROOTS_FILE = "file://var/mail/etrn-hold/";
    private static final String OTHERS = IntStream.range(0, 100).mapToObj(i -> "held-" + i + ".example")
        .collect(Collectors.joining(","));
    private static final String SITE_DOWN = "421 4.3.2 site down for the benchmark";

    /** One root's rows. */
    static final class Root {
        final String root;
        Report.Latency latency;
        DeliveryRuns deliveries;
        long fillMillis;

        Root(String root) {
            this.root = root;
        }
    }

    final Map<String, Root> roots = new LinkedHashMap<>();
    /** Heap after a full GC: the hold (extension) and the same mails in James's repositories alone. */
    final Map<String, Long> heapKib = new LinkedHashMap<>();
    DeliveryRuns probeOn;
    DeliveryRuns probeOff;

    private final Bench.Options options;
    private final Servers servers;
    private int runId;

    interface Servers {
        JamesServer start(String name, CustomerMx sink, java.util.function.Consumer<Conf> edits, String... jvmOptions)
            throws Exception;
    }

    HoldRuns(Bench.Options options, Servers servers) {
        this.options = options;
        this.servers = servers;
    }

    static java.util.function.Consumer<Conf> holdRoot(String root) {
        return conf -> conf.setElements("mailetcontainer.xml", "root", root);
    }

    void run(CustomerMx sink) throws Exception {
        for (String root : List.of(ROOTS_MEMORY, ROOTS_FILE)) {
            Root rows = new Root(root);
            try (JamesServer james = servers.start("james-hold-" + (root.startsWith("memory") ? "memory" : "file"), sink,
                holdRoot(root))) {
                rows.fillMillis = fill(james, root, options.holdOthers, OTHERS, "other");
                rows.latency = latency(james, sink, root);
                rows.deliveries = deliveries(james, sink, root);
            }
            roots.put(root, rows);
        }
        if (options.memory) {
            heap(sink);
        }
        probe(sink);
    }

    private long fill(JamesServer james, String root, int count, String domains, String prefix) throws Exception {
        long start = System.nanoTime();
        long before = james.held(root);
        james.hold(count, domains, prefix + "-" + (++runId));
        Poll.until(Duration.ofMinutes(30), Duration.ofMillis(200), () -> heldNow(james, root) >= before + count);
        long millis = (System.nanoTime() - start) / 1_000_000;
        Bench.log("hold " + root + " holds " + heldNow(james, root) + " (" + millis + " ms to fill " + count + ")");
        return millis;
    }

    private static long heldNow(JamesServer james, String root) {
        try {
            return james.held(root);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The site answers 421: each release's probe fails and the release ends, the node's mail stays held. An ETRN that
     * arrives while a release's probe is on its way joins that release; the next one after it starts a new one.
     */
    private Report.Latency latency(JamesServer james, CustomerMx sink, String root) throws Exception {
        fill(james, root, options.nodeMails, NODE, "node");
        sink.refuse(SITE_DOWN);
        Report.Latency result = new Report.Latency();
        long logOffset = james.logLength();
        result.etrnSent = Bench.alternate(james.smtpPort(), NODE, options.latencySamples, result.noop, result.etrn,
            result.replies);
        // Every release started must have seen its probe refused before the site answers again: otherwise a probe
        // still on its way would be delivered, and the rest of the node's mail with it, inside the next row. A release
        // logs its probe just after the ETRN's reply, so the counts must also stay put for a second (the first full
        // run saw a last probe logged after the counts had matched: it was delivered, and its release took the row's
        // mail).
        long[] last = {-1, -1};
        long[] stableSince = {System.nanoTime()};
        Poll.until(Duration.ofMinutes(2), Duration.ofMillis(50), () -> {
            long probing = probing(james, logOffset);
            long refused = probesRefused(james, logOffset);
            if (probing != last[0] || refused != last[1]) {
                last[0] = probing;
                last[1] = refused;
                stableSince[0] = System.nanoTime();
            }
            return refused >= probing && System.nanoTime() - stableSince[0] >= Duration.ofSeconds(1).toNanos();
        });
        result.releasesRun = probing(james, logOffset);
        sink.answer();
        Bench.log("hold " + root + " latency: NOOP " + result.noop.format() + ", ETRN " + result.etrn.format() + " "
            + result.replies + ", releases " + result.releasesRun);
        return result;
    }

    /** ETRN for the node's 1,000 among the others: handed back (the engine's last line), first and last delivery. */
    private static long probing(JamesServer james, long logOffset) {
        return logged(james, logOffset, "\\d+ deferred mails selected; probing the site");
    }

    private static long probesRefused(JamesServer james, long logOffset) {
        return logged(james, logOffset, "the probe failed for now");
    }

    private static long logged(JamesServer james, long logOffset, String what) {
        try {
            return james.releaseLinesLogged(logOffset, NODE, what);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private DeliveryRuns deliveries(JamesServer james, CustomerMx sink, String root) throws Exception {
        DeliveryRuns runs = new DeliveryRuns(options.nodeMails + " held among " + options.holdOthers, options.nodeMails, NODE);
        for (int run = 0; run < options.runs(options.nodeMails); run++) {
            if (run > 0) {
                fill(james, root, options.nodeMails, NODE, "node");
            }
            Bench.etrnRun(james, sink, runs, NODE, options.nodeMails);
            Poll.until(Duration.ofMinutes(2), Duration.ofMillis(50), () -> heldNow(james, root) <= options.holdOthers);
        }
        Bench.log("hold " + root + " deliveries: reply " + runs.reply.format() + ", handed back " + runs.release.format()
            + ", last " + runs.last.format());
        return runs;
    }

    /** The same mails held by HoldForEtrn (memory://) and stored by James's repositories alone. */
    private void heap(CustomerMx sink) throws Exception {
        String[] gc = {"-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20"};
        try (JamesServer james = servers.start("james-hold-heap", sink, holdRoot(ROOTS_MEMORY), gc)) {
            long empty = james.heapUsedAfterGcKib();
            fill(james, ROOTS_MEMORY, options.memoryMails, OTHERS, "heap");
            heapKib.put("empty", empty);
            heapKib.put("held by HoldForEtrn", james.heapUsedAfterGcKib());
        }
        try (JamesServer james = servers.start("james-repository-heap", sink, holdRoot(ROOTS_MEMORY), gc)) {
            long start = System.nanoTime();
            james.store(ROOTS_MEMORY, options.memoryMails, OTHERS, "heap");
            Bench.log("stored " + options.memoryMails + " in James's repositories in " + (System.nanoTime() - start) / 1_000_000 + " ms");
            heapKib.put("stored by James's repositories alone", james.heapUsedAfterGcKib());
        }
        Bench.log("heap: " + heapKib);
    }

    /** The queue path, 1,000 deferred, ETRN → last delivery: probe first (the default) and everything at once. */
    private void probe(CustomerMx sink) throws Exception {
        probeOn = queueRuns(sink, "james-probe-on", conf -> { });
        probeOff = queueRuns(sink, "james-probe-off", conf -> conf.setProperty("etrn.properties", "release.probe.mails", "0"));
    }

    private DeliveryRuns queueRuns(CustomerMx sink, String name, java.util.function.Consumer<Conf> edits) throws Exception {
        DeliveryRuns runs = new DeliveryRuns(Integer.toString(options.nodeMails), options.nodeMails, Bench.NODE);
        try (JamesServer james = servers.start(name, sink, edits)) {
            for (int run = 0; run < options.runs(options.nodeMails); run++) {
                james.clear(Bench.QUEUE);
                james.fillDeferred(Bench.QUEUE, options.nodeMails, Bench.NODE, name + "-" + (++runId));
                Bench.etrnRun(james, sink, runs, Bench.NODE, options.nodeMails);
            }
        }
        Bench.log(name + ": reply " + runs.reply.format() + ", last " + runs.last.format());
        return runs;
    }

    void render(StringBuilder md) {
        md.append("## 6. Hold for ETRN: 1,000 held for the node among ").append(String.format(Locale.ROOT, "%,d", options.holdOthers))
            .append(" held for 100 other nodes\n\n");
        md.append("The hold filled through the spool and HoldForEtrn (one entry per mail, in `<root>/<domain>`).\n\n");
        md.append("| root | fill | NOOP median / p99 | ETRN median / p99 | ETRN ≤ NOOP + 1 ms at p99 | releases run / ETRNs | ETRN reply | handed back (all dispatched) | first delivery | last delivery | connections | complete | duplicates |\n");
        md.append("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---:|\n");
        roots.forEach((root, r) -> md.append("| `").append(root).append("` | ").append(String.format(Locale.ROOT, "%.1f s", r.fillMillis / 1000.0))
            .append(" | ").append(r.latency.noop.format()).append(" | ").append(r.latency.etrn.format())
            .append(" | ").append(r.latency.etrn.p99Millis() <= r.latency.noop.p99Millis() + 1 ? "**pass**" : "**miss**")
            .append(" | ").append(r.latency.releasesRun).append(" / ").append(r.latency.etrnSent)
            .append(" | ").append(r.deliveries.reply.format()).append(" | ").append(r.deliveries.release.format())
            .append(" | ").append(r.deliveries.first.format()).append(" | ").append(r.deliveries.last.format())
            .append(" | ").append(r.deliveries.connectionsText()).append(" | ").append(r.deliveries.completeness())
            .append(" | ").append(r.deliveries.duplicates).append(" |\n"));
        md.append("\nLatency: the site answers 421, so each release ends when its probe is refused and the node's mail "
            + "stays held; an ETRN that arrives while a probe is on its way joins that release (releases run counts the "
            + "releases started). Handed back: ETRN sent → the engine's last line for the release "
            + "(the probe delivered, then every other mail sent to the release processor). The target ≤ 50 ms is for "
            + "that column.\n\n");
        if (!heapKib.isEmpty()) {
            long held = heapKib.getOrDefault("held by HoldForEtrn", -1L);
            long stored = heapKib.getOrDefault("stored by James's repositories alone", -1L);
            md.append("Heap after a full GC with ").append(String.format(Locale.ROOT, "%,d", options.memoryMails))
                .append(" mails in `memory://` repositories: ");
            heapKib.forEach((what, kib) -> md.append(what).append(' ').append(kib / 1024).append(" MiB; "));
            long perMail = (held - stored) * 1024 / Math.max(1, options.memoryMails);
            md.append("the hold's own: ").append(perMail).append(" bytes per held mail (target ≤ 200: ")
                .append(perMail <= 200 ? "**pass**" : "**miss**").append(").\n\n");
        }
        if (probeOn != null && probeOff != null) {
            md.append("## 7. Probe first: the queue path, ").append(options.nodeMails).append(" deferred, ETRN → last delivery\n\n");
            md.append("| release | runs | ETRN reply | first delivery | last delivery | connections |\n|---|---:|---:|---:|---:|---:|\n");
            List<DeliveryRuns> rows = new ArrayList<>(List.of(probeOn, probeOff));
            String[] names = {"probe first (release.probe.mails=1)", "everything at once (release.probe.mails=0)"};
            for (int i = 0; i < rows.size(); i++) {
                DeliveryRuns r = rows.get(i);
                md.append("| ").append(names[i]).append(" | ").append(r.runs()).append(" | ").append(r.reply.format())
                    .append(" | ").append(r.first.format()).append(" | ").append(r.last.format()).append(" | ")
                    .append(r.connectionsText()).append(" |\n");
            }
            if (!probeOn.last.isEmpty() && !probeOff.last.isEmpty() && !probeOn.first.isEmpty()) {
                double extra = probeOn.last.medianMillis() - probeOff.last.medianMillis();
                String cost = extra >= 0
                    ? String.format(Locale.ROOT, "Probe first adds %.0f ms to the last delivery", extra)
                    : String.format(Locale.ROOT, "The last delivery came %.0f ms sooner with probe first (run-to-run noise)", -extra);
                md.append(String.format(Locale.ROOT, "\n%s; one delivery round "
                    + "(ETRN → the probe delivered, then the rest) is about the first delivery's %.0f ms (target: no more than "
                    + "one round longer: %s).\n\n", cost, probeOn.first.medianMillis(),
                    extra <= probeOn.first.medianMillis() + 50 ? "**pass**" : "**miss**"));
            }
        }
    }
}
