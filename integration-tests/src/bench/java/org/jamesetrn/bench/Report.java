package org.jamesetrn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Collects the measurements and renders the markdown report (tables, machine, command, pass/miss). */
final class Report {
    /** Postfix 3.7 on this machine, from issue 6, used when Postfix is not run: last of 100 / 1,000 / 10,000. */
    private static final Map<Integer, Double> POSTFIX_REFERENCE_LAST_MS = Map.of(100, 67.0, 1_000, 800.0, 10_000, 9_500.0);

    static final class Latency {
        final Stats noop = new Stats();
        final Stats etrn = new Stats();
        final Map<String, Integer> replies = new TreeMap<>();
        long strayDeliveries;
        long etrnSent;
        long releasesRun;

        /** A refused ETRN (458 while nothing is implemented, 459 by policy) proves nothing about the target. */
        boolean allPositive() {
            return replies.keySet().stream().allMatch(reply -> reply.startsWith("2"));
        }
    }

    private final Bench.Options options;
    final Map<Integer, Latency> latency = new LinkedHashMap<>();
    final Map<Integer, DeliveryRuns> selectivity = new LinkedHashMap<>();
    final Map<Integer, DeliveryRuns> etrnDeliveries = new LinkedHashMap<>();
    final Map<Integer, DeliveryRuns> flushDeliveries = new LinkedHashMap<>();
    final Map<Integer, DeliveryRuns> postfixDeliveries = new LinkedHashMap<>();
    final Map<String, long[]> memory = new LinkedHashMap<>();
    long rssUnderLoadKib = -1;
    HoldRuns hold;
    ActiveMQRuns activemq;
    SiteRuns sites;
    OdmrRuns odmr;
    String postfixVersion;
    String postfixNote;
    double totalSeconds;

    Report(Bench.Options options) {
        this.options = options;
    }

    String render() {
        StringBuilder md = new StringBuilder();
        md.append("# ETRN benchmark results\n\n");
        md.append("- Date: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME.withLocale(Locale.ROOT)))
            .append('\n');
        md.append("- Machine: ").append(machine()).append('\n');
        md.append("- Command: `").append(options.command).append("` (").append(options.describe()).append(String.format(
            Locale.ROOT, "; took %.0f s)\n", totalSeconds));
        md.append("- Server: the assembled stock James 3.8.1 memory server (james-server/target/james) as a separate process, ")
            .append("-Xmx").append(options.heap).append(", conf/ of this repository with benchmark overrides only (loopback ports, ")
            .append("the `outgoing-smarthost` gateway pointed at the sink, ETRN rate limit off). RemoteDelivery as shipped: ")
            .append("4 delivery threads on `outgoing-smarthost`, retries 1 h .. 16 h.\n");
        md.append("- Deferred mail: enqueued directly into `").append(Bench.QUEUE).append("` by a benchmark-only WebAdmin route ")
            .append("(the test kit's org.jamesetrn.kit.probe.QueueRoutes) through the MailQueueFactory RemoteDelivery uses, each mail ")
            .append("as RemoteDelivery leaves it after one failed attempt: state error, delivery_retry_count 1, low priority, ")
            .append("1 hour delay. Others: recipients in 50 domains other-N.example, in the same queue.\n");
        md.append("- Sink: loopback SMTP server in the benchmark process, PIPELINING, keeps no message body. ")
            .append("Times are from the moment ")
            .append("the trigger (ETRN line or WebAdmin PATCH) is written; values are median / p99 over the runs.\n\n");

        md.append("## 1. Reply latency on one connection (ETRN for a node with nothing deferred, N others queued)\n\n");
        md.append("| deferred queued | NOOP median / p99 | ETRN median / p99 | ETRN replies | releases run / ETRNs sent | stray deliveries | ETRN ≤ NOOP + 1 ms |\n");
        md.append("|---:|---:|---:|---|---:|---:|---|\n");
        latency.forEach((size, l) -> md.append("| ").append(num(size)).append(" | ").append(l.noop.format()).append(" | ")
            .append(l.etrn.format()).append(" | ").append(l.replies).append(" | ").append(l.releasesRun).append(" / ")
            .append(l.etrnSent).append(" | ").append(l.strayDeliveries).append(" | ")
            .append(passMiss(l.allPositive() && l.etrn.medianMillis() <= l.noop.medianMillis() + 1)).append(" |\n"));

        md.append("\n\"Releases run\" counts the engine's release log lines: an ETRN that arrives while the previous release ")
            .append("for the node is still finishing joins it (coalescing) and gets its count without a scan of its own.\n");

        md.append("\n## 2. ETRN → delivery (N deferred for the node, nothing else queued)\n\n");
        deliveryTable(md, etrnDeliveries, "ETRN reply");

        md.append("\n## 3. Selectivity (").append(num(options.nodeMails)).append(" deferred for the node among others)\n\n");
        md.append("| case | runs | ETRN reply (selection counted) | release done (all re-enqueued) | first delivery | last delivery | others delivered | others still queued | duplicates |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        selectivity.forEach((others, r) -> md.append("| ").append(num(options.nodeMails)).append(" among ").append(num(others))
            .append(" | ").append(r.runs()).append(" | ").append(r.reply.format()).append(" | ").append(r.release.format())
            .append(" | ").append(r.first.format())
            .append(" | ").append(r.last.format()).append(" | ").append(r.othersDelivered).append(" | ").append(r.othersLeft)
            .append(" | ").append(r.duplicates).append(" |\n"));
        if (!selectivity.isEmpty()) {
            md.append("\nLast ETRN reply: `").append(last(selectivity).replyText()).append("`\n");
        }

        md.append("\n## 4. Baseline: James's own WebAdmin flush (`PATCH /mailQueues/").append(Bench.QUEUE)
            .append("/mails?delayed=true`, body `{\"delayed\": false}`), same N\n\n");
        deliveryTable(md, flushDeliveries, "HTTP reply");

        md.append("\n## 5. Postfix, same sink, ETRN → delivery\n\n");
        if (postfixDeliveries.isEmpty()) {
            md.append(postfixNote != null ? postfixNote : "Not run (add `--postfix`).").append(" Reference measured on this ")
                .append("machine (issue 6): Postfix 3.7 answers ETRN in 1.9 / 16.8 / 173 ms and delivers the last of ")
                .append("100 / 1,000 / 10,000 mails 67 ms / 0.8 s / 9.5 s after its reply (about 24 connections for 1,000).\n");
        } else {
            md.append(postfixVersion).append(", relay for the node with `fast_flush_domains`, transport to the sink, ")
                .append("mail deferred by sending it while the sink was down.\n\n");
            deliveryTable(md, postfixDeliveries, "ETRN reply");
        }

        md.append("\n## Resident memory with ").append(num(options.memoryMails)).append(" deferred mails queued\n\n");
        md.append("Fresh server each, mail enqueued, one ETRN, then a full GC (jcmd GC.run); run with ")
            .append("-XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 so that G1 returns unused heap and RSS follows the live data.\n\n");
        md.append("| server | RSS | heap in use after full GC |\n|---|---:|---:|\n");
        memory.forEach((name, values) -> md.append("| ").append(name).append(" | ").append(mib(values[0])).append(" | ")
            .append(mib(values[1])).append(" |\n"));
        if (rssUnderLoadKib > 0) {
            md.append("\n(After scenarios 1 and 3 with 100,000 queued, the server used ").append(mib(rssUnderLoadKib))
                .append(" RSS.)\n");
        }

        if (hold != null) {
            md.append('\n');
            hold.render(md);
        }

        if (activemq != null) {
            md.append('\n');
            activemq.render(md);
        }
        if (sites != null) {
            sites.render(md);
        }
        if (odmr != null) {
            odmr.render(md);
        }

        md.append("\n## Targets (issues 6 and 12)\n\n| target | measured | result |\n|---|---|---|\n");
        targets(md);
        activeMQTargets(md);
        return md.toString();
    }

    private void targets(StringBuilder md) {
        if (!latency.isEmpty()) {
            int size = last(latency.keySet());
            Latency l = latency.get(size);
            md.append("| Reply: ETRN median ≤ NOOP median + 1 ms at ").append(num(size)).append(" queued | ETRN ")
                .append(Stats.ms(l.etrn.medianMillis())).append(", NOOP ").append(Stats.ms(l.noop.medianMillis())).append(" | ")
                .append(passMiss(l.allPositive() && l.etrn.medianMillis() <= l.noop.medianMillis() + 1)).append(" |\n");
        }
        if (!selectivity.isEmpty()) {
            int others = last(selectivity.keySet());
            DeliveryRuns r = selectivity.get(others);
            double release = r.release.isEmpty() ? r.reply.medianMillis() : r.release.medianMillis();
            md.append("| Release ≤ 50 ms for the node's ").append(num(options.nodeMails)).append(" among ").append(num(others))
                .append(" (ETRN sent → all re-enqueued; others untouched) | ").append(Stats.ms(release))
                .append(" (reply ").append(Stats.ms(r.reply.medianMillis())).append(") | ")
                .append(passMiss(r.incomplete == 0 && r.runs() > 0 && release <= 50 && r.othersDelivered == 0
                    && r.duplicates == 0)).append(" |\n");
        }
        DeliveryRuns james = etrnDeliveries.get(1_000);
        if (james != null) {
            DeliveryRuns postfix = postfixDeliveries.get(1_000);
            double postfixLast = postfix != null && !postfix.last.isEmpty() ? postfix.last.medianMillis()
                : POSTFIX_REFERENCE_LAST_MS.get(1_000);
            md.append("| Delivery: last of 1,000 no slower than Postfix | James ").append(Stats.ms(james.last.medianMillis()))
                .append(" (").append(james.connectionsText()).append(" connections), Postfix ").append(Stats.ms(postfixLast))
                .append(postfix != null ? " (" + postfix.connectionsText() + " connections)" : " (reference from issue 6)")
                .append(" | ").append(passMiss(james.incomplete == 0 && !james.last.isEmpty() && james.last.medianMillis() <= postfixLast)).append(" |\n");
        }
    }

    /** Issue 12: the persistent server with the node's 1,000 among 100,000 deferred. */
    private void activeMQTargets(StringBuilder md) {
        if (activemq == null) {
            return;
        }
        String among = num(options.nodeMails) + " among " + num(options.activeMQOthers);
        for (Map.Entry<String, DeliveryRuns> row : Map.of("probe first", activemq.probeFirst, "everything at once",
            activemq.atOnce).entrySet().stream().sorted(Map.Entry.comparingByKey(java.util.Comparator.reverseOrder()))
            .collect(java.util.stream.Collectors.toList())) {
            DeliveryRuns r = row.getValue();
            if (r == null || r.runs() == 0) {
                continue;
            }
            double release = r.release.isEmpty() ? Double.NaN : r.release.medianMillis();
            md.append("| ActiveMQ, ").append(row.getKey()).append(": ETRN → the node's ").append(among)
                .append(" all re-enqueued ≤ 250 ms | ").append(Stats.ms(release)).append(" (reply ")
                .append(Stats.ms(r.reply.medianMillis())).append(", p99 ").append(Stats.ms(r.reply.p99Millis())).append(") | ")
                .append(passMiss(r.incomplete == 0 && release <= 250 && r.othersDelivered == 0 && r.duplicates == 0)).append(" |\n");
        }
        DeliveryRuns james = activemq.probeFirst;
        Double postfix = postfixLastOfNodeMails();
        if (james != null && !james.last.isEmpty()) {
            md.append("| ActiveMQ, probe first: last of the node's ").append(among).append(" delivered no slower than Postfix's ")
                .append(num(options.nodeMails)).append(" | James ").append(Stats.ms(james.last.medianMillis())).append(", Postfix ")
                .append(postfix == null ? "not run" : Stats.ms(postfix)).append(" | ")
                .append(postfix == null ? "n/a" : passMiss(james.incomplete == 0 && james.last.medianMillis() <= postfix))
                .append(" |\n");
        }
    }

    /** Postfix's last delivery of the node's mails in this run (section 5 or 9), or none. */
    private Double postfixLastOfNodeMails() {
        DeliveryRuns postfix = postfixDeliveries.get(options.nodeMails);
        if (postfix == null && sites != null) {
            postfix = sites.relays.entrySet().stream().filter(entry -> entry.getKey().startsWith("Postfix"))
                .map(entry -> entry.getValue().prompt).findFirst().orElse(null);
        }
        return postfix == null || postfix.last.isEmpty() ? null : postfix.last.medianMillis();
    }

    private static void deliveryTable(StringBuilder md, Map<Integer, DeliveryRuns> rows, String replyName) {
        md.append("| N | runs | ").append(replyName).append(" | release done | first delivery | last delivery | mails/s | connections | complete | duplicates | reply |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|\n");
        rows.forEach((n, r) -> md.append("| ").append(num(n)).append(" | ").append(r.runs()).append(" | ").append(r.reply.format())
            .append(" | ").append(r.release.format())
            .append(" | ").append(r.first.format()).append(" | ").append(r.last.format()).append(" | ").append(r.mailsPerSecond())
            .append(" | ").append(r.connectionsText()).append(" | ").append(r.completeness()).append(" | ").append(r.duplicates)
            .append(" | `").append(r.replyText()).append("` |\n"));
    }

    private static <T> T last(Iterable<T> values) {
        T last = null;
        for (T value : values) {
            last = value;
        }
        return last;
    }

    private static DeliveryRuns last(Map<Integer, DeliveryRuns> map) {
        return last(map.values());
    }

    private static String passMiss(boolean pass) {
        return pass ? "**pass**" : "**miss**";
    }

    private static String num(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String mib(long kib) {
        return kib < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f MiB", kib / 1024.0);
    }

    /** This machine: cores, CPU, memory, OS, Java. */
    static String machine() {
        String cpu = "unknown CPU";
        long memKib = -1;
        String os = System.getProperty("os.name");
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
            memKib = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                .findFirst().map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).orElse(-1L);
            os = Files.readAllLines(Path.of("/etc/os-release")).stream().filter(l -> l.startsWith("PRETTY_NAME="))
                .findFirst().map(l -> l.substring(13).replace("\"", "")).orElse(os);
        } catch (IOException | RuntimeException e) {
            // partial description
        }
        return String.format(Locale.ROOT, "%d cores (%s), %.1f GiB memory, %s, Java %s",
            Runtime.getRuntime().availableProcessors(), cpu, memKib / 1024.0 / 1024.0, os, System.getProperty("java.version"));
    }
}
