package org.jamesetrn.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import org.jamesetrn.kit.Conf;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.SmtpClient;

/**
 * Issue 12 in the benchmark: the persistent server (./james.sh --queue activemq: James's mail queue in its embedded
 * ActiveMQ broker) with the node's 1,000 deferred mails among 100,000 deferred for 50 other sites: ETRN reply latency,
 * ETRN → all re-enqueued → last delivered, with probe first (the shipped conf) and everything at once; resident
 * memory with 100,000 deferred, with the extension (the whole queue paged in) and without (ActiveMQ's 200).
 */
final class ActiveMQRuns {
    /** How a server of this section is started: name, sink, conf edits, JVM options. */
    interface Servers {
        JamesServer start(String name, CustomerMx sink, Consumer<Conf> edits, boolean withExtension, String... jvmOptions)
            throws Exception;
    }

    private static final int WARM_UP_ETRNS = 20;

    private final Bench bench;
    private final Bench.Options options;
    private final Servers servers;
    Report.Latency latency;
    DeliveryRuns probeFirst;
    DeliveryRuns atOnce;
    long fillMillis;
    long rssUnderLoadKib = -1;
    /** RSS and heap after a full GC (KiB), with and without the extension. */
    final Map<String, long[]> memory = new LinkedHashMap<>();

    ActiveMQRuns(Bench bench, Bench.Options options, Servers servers) {
        this.bench = bench;
        this.options = options;
        this.servers = servers;
    }

    void run(CustomerMx sink) throws Exception {
        int others = options.activeMQOthers;
        try (JamesServer james = servers.start("james-activemq", sink, conf -> { }, true)) {
            fillMillis = james.fillDeferred(Bench.QUEUE, others, Bench.OTHERS, "amq-other");
            Bench.log("ActiveMQ queue holds " + james.size(Bench.QUEUE) + " deferred (" + fillMillis + " ms to fill)");
            latency = bench.latency(james, sink);
            probeFirst = bench.selectivity(james, sink, others);
            rssUnderLoadKib = james.rssKib();
        }
        try (JamesServer james = servers.start("james-activemq-at-once", sink,
            conf -> conf.setProperty("etrn.properties", "release.probe.mails", "0"), true)) {
            james.fillDeferred(Bench.QUEUE, others, Bench.OTHERS, "amq-other");
            warmUp(james);
            atOnce = bench.selectivity(james, sink, others);
        }
        if (options.memory) {
            memory(sink);
        }
    }

    /**
     * As the first server was by its latency row: ETRNs for the node while it has nothing deferred (251), so that the
     * timed releases do not pay for the JIT and the first pass over the queue.
     */
    private static void warmUp(JamesServer james) throws Exception {
        try (SmtpClient client = Bench.connect(james.smtpPort())) {
            for (int i = 0; i < WARM_UP_ETRNS; i++) {
                client.etrn(Bench.NODE);
            }
        }
    }

    /**
     * A fresh server each, 100,000 deferred, restarted (the broker then holds them on disk only, as after any restart;
     * right after they were sent it still caches them in memory, extension or not), one ETRN with the extension (its
     * start-up step has paged the whole queue in), a full GC.
     */
    private void memory(CustomerMx sink) throws Exception {
        for (boolean withExtension : new boolean[] {true, false}) {
            try (JamesServer james = servers.start(withExtension ? "james-activemq-memory-etrn" : "james-activemq-memory-stock",
                sink, conf -> { }, withExtension, "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20")) {
                james.fillDeferred(Bench.QUEUE, options.memoryMails, Bench.OTHERS, "amq-mem");
                james.restart();
                if (withExtension) {
                    try (SmtpClient client = Bench.connect(james.smtpPort())) {
                        client.etrn(Bench.NODE);
                    }
                }
                long heap = james.heapUsedAfterGcKib();
                long rss = james.rssKib();
                memory.put(withExtension ? "ActiveMQ server + ETRN extension (queue paged in)"
                    : "ActiveMQ server, no extension (ActiveMQ's 200 paged in)", new long[] {rss, heap});
                Bench.log("ActiveMQ memory " + (withExtension ? "with" : "without") + " extension: RSS " + rss / 1024
                    + " MiB, heap after GC " + heap / 1024 + " MiB");
            }
        }
    }

    /** Heap per paged-in message: the difference between the two memory rows over the mails queued. */
    long bytesPerPagedInMessage() {
        long[] with = memory.get("ActiveMQ server + ETRN extension (queue paged in)");
        long[] without = memory.get("ActiveMQ server, no extension (ActiveMQ's 200 paged in)");
        if (with == null || without == null) {
            return -1;
        }
        return (with[1] - without[1]) * 1024 / Math.max(1, options.memoryMails - 200);
    }

    void render(StringBuilder md) {
        String others = String.format(Locale.ROOT, "%,d", options.activeMQOthers);
        md.append("## 8. The persistent server (ActiveMQ queue): ").append(options.nodeMails).append(" deferred for the node among ")
            .append(others).append(" for 50 other sites\n\n");
        md.append("`./james.sh --queue activemq`'s server (org.jamesetrn.server.ActiveMQJamesServerMain), same conf/ and ")
            .append("overrides; the queue filled by the probe route through James's ActiveMQMailQueueFactory (blob messages, ")
            .append("KahaDB), in ").append(String.format(Locale.ROOT, "%.0f s", fillMillis / 1000.0)).append(".\n\n");
        if (latency != null) {
            md.append("Reply latency, ETRN for a node with nothing deferred (251), ").append(latency.etrnSent)
                .append(" sent: NOOP ").append(latency.noop.format()).append(", ETRN ").append(latency.etrn.format())
                .append(", replies ").append(latency.replies).append(", releases run ").append(latency.releasesRun).append(".\n\n");
        }
        md.append("| release | runs | ETRN reply (count) | release done (all re-enqueued) | first delivery | last delivery | others delivered | others still queued | duplicates | complete |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        row(md, "probe first (shipped conf)", probeFirst);
        row(md, "everything at once (release.probe.mails=0)", atOnce);
        if (probeFirst != null) {
            md.append("\nLast ETRN reply: `").append(probeFirst.replyText()).append("`\n");
        }
        if (!memory.isEmpty()) {
            md.append("\nResident memory with ").append(String.format(Locale.ROOT, "%,d", options.memoryMails))
                .append(" deferred mails (fresh server each, the mail enqueued, the server restarted, one ETRN with the extension, full GC; ")
                .append("-XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20):\n\n| server | RSS | heap in use after full GC |\n|---|---:|---:|\n");
            memory.forEach((name, values) -> md.append("| ").append(name).append(" | ").append(values[0] / 1024).append(" MiB | ")
                .append(values[1] / 1024).append(" MiB |\n"));
            md.append("\nHeap per paged-in message (the difference over the mails queued): ").append(bytesPerPagedInMessage())
                .append(" bytes.\n");
        }
        if (rssUnderLoadKib > 0) {
            md.append("\n(After the latency and release rows with ").append(others).append(" queued, the server used ")
                .append(rssUnderLoadKib / 1024).append(" MiB RSS.)\n");
        }
        md.append('\n');
    }

    private static void row(StringBuilder md, String name, DeliveryRuns r) {
        if (r == null) {
            return;
        }
        md.append("| ").append(name).append(" | ").append(r.runs()).append(" | ").append(r.reply.format()).append(" | ")
            .append(r.release.format()).append(" | ").append(r.first.format()).append(" | ").append(r.last.format()).append(" | ")
            .append(r.othersDelivered).append(" | ").append(r.othersLeft).append(" | ").append(r.duplicates).append(" | ")
            .append(r.completeness()).append(" |\n");
    }
}
