package org.jamesetrn.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.jamesetrn.kit.Burst;
import org.jamesetrn.kit.CassandraNode;
import org.jamesetrn.kit.ClusterConf;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.JamesProcess;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.Postfix;
import org.jamesetrn.kit.RabbitMQNode;
import org.jamesetrn.kit.Repository;

/**
 * Durable intake (issue 18): {@code mails} messages for {@code nodes} held nodes over {@code sessions} SMTP sessions at
 * once (the kit's {@link Burst}, as the end-to-end tests send theirs), the sites down, against the persistent server
 * ({@code ./james.sh}: James's ActiveMQ queue, the hold in {@code file://}), the cluster ({@code ./james.sh --cluster}:
 * RabbitMQ, the hold in {@code cassandra://}, two servers) and Postfix, in one run on one machine. Per server: accepted
 * per second (250s over the burst), held per second (every acknowledged mail in the hold, or in Postfix's deferred
 * queue, over the time from the first MAIL), and the spool's largest backlog (acknowledged and not yet held, sampled
 * every {@value #SAMPLE_MS} ms). Writes bench/results-intake.md ({@code -quick} with {@code --quick}).
 *
 * <p>Usage: {@code bench/run-bench.sh --intake [--quick] [--mails N] [--nodes N] [--sessions N] [--no-activemq]
 * [--no-cluster] [--no-postfix] [--memory]}.</p>
 */
public final class IntakeBench {
    static final String SUFFIX = "intake.test";
    static final String FILE_HOLD = "file://var/mail/etrn-hold/";
    private static final long SAMPLE_MS = 250;
    /**
     * The cluster's held count is a count query per held node's repository in Cassandra, which the servers share with
     * the hold's writes: sampled less often there (every 250 ms, the counts were 4% of a server's statements).
     */
    private static final long CLUSTER_SAMPLE_MS = 1_000;

    /** One server's row. */
    static final class Row {
        final String server;
        int acknowledged;
        int refused;
        double acceptedPerSecond;
        double heldPerSecond;
        long largestBacklog;
        long allHeldMs = -1;
        long burstMs;
        /**
         * CPU milliseconds per acknowledged mail from the first MAIL until all were held: the machine's, James's; -1
         * when not all were held within the wait, or for a server that is no James.
         */
        double machineCpuMs = -1;
        double jamesCpuMs = -1;
        /** The JIT compiler threads' share of James's CPU over the same span; -1 for a server that is no James. */
        double compilersShare = -1;
        /** Warm-up rounds sent before the burst. */
        int warmUpRounds;

        Row(String server) {
            this.server = server;
        }
    }

    /** Empties a server's hold (Postfix: its queue). */
    @FunctionalInterface
    interface Emptying {
        void empty() throws Exception;
    }

    /** How many of the burst's mails a server has held so far. */
    @FunctionalInterface
    interface HeldCount {
        long now() throws Exception;
    }

    private final Options options;
    private final List<String> nodes;
    private final List<Row> rows = new ArrayList<>();

    private IntakeBench(Options options) {
        this.options = options;
        this.nodes = IntStream.range(0, options.nodes).mapToObj(i -> "n" + i + "." + SUFFIX).collect(Collectors.toList());
    }

    public static void main(String[] args) throws Exception {
        new IntakeBench(Options.parse(args)).run();
    }

    private void run() throws Exception {
        long start = System.nanoTime();
        Repository repository = Repository.at(options.repo);
        Path work = options.repo.resolve("integration-tests/target/bench-intake");
        String domains = String.join(",", nodes);
        List<String> jvm = options.jvm();
        try (CustomerMx sink = new CustomerMx(Ports.free())) {
            // The sites stay down: the sink only reserves the port the servers' routes point at.
            if (options.activemq) {
                try (JamesServer james = JamesServer.start(repository, work.resolve("activemq"), options.probeJar, true,
                        sink.port(), jvm, conf -> heldNodes(conf, domains), JamesProcess.ACTIVEMQ_SERVER)) {
                    rows.add(measure("James, persistent server (ActiveMQ queue, file:// hold)", SAMPLE_MS,
                        () -> james.held(options.holdRoot), () -> james.clearHold(options.holdRoot), List.of(james.pid()),
                        james.smtpPort()));
                }
            }
            if (options.memory) {
                try (JamesServer james = JamesServer.start(repository, work.resolve("memory"), options.probeJar, true,
                        sink.port(), jvm, conf -> heldNodes(conf, domains), JamesProcess.MEMORY_SERVER)) {
                    rows.add(measure("James, memory server (memory queue, file:// hold; not durable)", SAMPLE_MS,
                        () -> james.held(options.holdRoot), () -> james.clearHold(options.holdRoot), List.of(james.pid()),
                        james.smtpPort()));
                }
            }
            if (options.postfix && Postfix.available()) {
                try (Postfix postfix = new Postfix(work.resolve("postfix"), Ports.free(), sink.port(), nodes)) {
                    postfix.start();
                    rows.add(measure(postfix.version() + " (deferred queue, fsync before 250)", SAMPLE_MS, postfix::deferred,
                        postfix::purge, List.of(), postfix.smtpPort()));
                }
            } else if (options.postfix) {
                log("Postfix left out: not installed, or not running as root");
            }
            if (options.cluster) {
                try (CassandraNode cassandra = CassandraNode.start(repository, work.resolve("cassandra"));
                     RabbitMQNode rabbitMQ = RabbitMQNode.start(repository, work.resolve("rabbitmq"))) {
                    CompletableFuture<JamesServer> startingA = cluster(repository, work.resolve("cluster-a"), sink, cassandra,
                        rabbitMQ, domains, jvm);
                    CompletableFuture<JamesServer> startingB = cluster(repository, work.resolve("cluster-b"), sink, cassandra,
                        rabbitMQ, domains, jvm);
                    try (JamesServer a = startingA.join(); JamesServer b = startingB.join()) {
                        rows.add(measure("James cluster, 2 servers (RabbitMQ queue, cassandra:// hold)", CLUSTER_SAMPLE_MS,
                            () -> a.held(ClusterConf.HOLD_ROOT), () -> a.clearHold(ClusterConf.HOLD_ROOT), List.of(a.pid(), b.pid()),
                            a.smtpPort(), b.smtpPort()));
                    }
                }
            }
        }
        String markdown = render((System.nanoTime() - start) / 1e9);
        System.out.println(markdown);
        Files.createDirectories(options.out.toAbsolutePath().getParent());
        Files.writeString(options.out, markdown);
        log("written to " + options.out);
    }

    /** The hold's route ({@code HostIs=held.test} of relay and of etrn-release) extended to the benchmark's nodes. */
    private void heldNodes(org.jamesetrn.kit.Conf conf, String domains) {
        conf.setAttributes("mailetcontainer.xml", "mailet", "match", "HostIs=held.test", "HostIs=held.test," + domains);
        if (!options.holdRoot.equals(FILE_HOLD)) {
            conf.setElements("mailetcontainer.xml", "root", options.holdRoot);
        }
        experiments(conf);
    }

    /**
     * The spool's threads and SMTP's in-flow delay as --spool-threads and --in-flow-delay say (experiments), else as
     * conf/ ships them.
     */
    private void experiments(org.jamesetrn.kit.Conf conf) {
        if (options.spoolThreads > 0) {
            conf.setElements("mailetcontainer.xml", "threads", String.valueOf(options.spoolThreads));
        }
        options.inFlowDelay.ifPresent(delay -> conf.setElements("smtpserver.xml", "inFlowDelay", delay));
    }

    private CompletableFuture<JamesServer> cluster(Repository repository, Path folder, CustomerMx sink, CassandraNode cassandra,
                                                   RabbitMQNode rabbitMQ, String domains, List<String> jvm) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return JamesServer.startCluster(repository, folder, options.probeJar, sink.port(), cassandra, rabbitMQ,
                    domains, "@" + SUFFIX, jvm, this::experiments);
            } catch (Exception e) {
                throw new IllegalStateException("cannot start a cluster server in " + folder, e);
            }
        });
    }

    /**
     * The burst, sessions spread over the ports, while the held count is sampled; then until everything acknowledged
     * is held (or the wait runs out: the row says so).
     */
    private Row measure(String server, long sampleMs, HeldCount held, Emptying emptying, List<Long> jamesPids,
                        int... smtpPorts) throws Exception {
        Row row = new Row(server);
        CpuTime jamesCpu = CpuTime.processes(jamesPids);
        CpuTime compilersCpu = CpuTime.compilers(jamesPids);
        row.warmUpRounds = warmUp(server, sampleMs, held, jamesCpu, compilersCpu,
            options.warmUpRounds.orElse(jamesPids.size() > 1 ? Options.CLUSTER_WARM_UP_ROUNDS : Options.WARM_UP_ROUNDS),
            smtpPorts);
        // The warm-up's mail out of the way (tens of thousands once the JIT is quiet), so that the burst is measured
        // against a hold holding only its own, as before the rounds: neither the held count sampled below nor the
        // hold's first retention pass (which reads every held mail once) grows with the warm-up.
        emptying.empty();
        long base = held.now();
        CpuTime machineCpu = CpuTime.machine();
        long machineCpuBefore = machineCpu.nanos();
        long jamesCpuBefore = jamesCpu.nanos();
        long compilersCpuBefore = compilersCpu.nanos();
        Burst burst = Burst.of(options.mails, options.sessions, i -> nodes.get(i % nodes.size()));
        log(server + ": " + options.mails + " mails for " + nodes.size() + " nodes over " + options.sessions + " sessions");
        long start = System.nanoTime();
        CompletableFuture<Burst.Result> sending = CompletableFuture.supplyAsync(() -> burst.sendTo(smtpPorts));
        long heldNow = 0;
        while (!sending.isDone()) {
            int acknowledged = burst.acknowledgedSoFar();
            heldNow = held.now() - base;
            row.largestBacklog = Math.max(row.largestBacklog, acknowledged - heldNow);
            Thread.sleep(sampleMs);
        }
        Burst.Result result = sending.join();
        row.acknowledged = result.acknowledged().size();
        row.refused = result.refused().size();
        row.acceptedPerSecond = result.acceptedPerSecond();
        row.burstMs = result.elapsed().toMillis();
        long deadline = System.nanoTime() + (120_000L + row.acknowledged * 20L) * 1_000_000L;
        while (true) {
            heldNow = held.now() - base;
            row.largestBacklog = Math.max(row.largestBacklog, row.acknowledged - heldNow);
            if (heldNow >= row.acknowledged) {
                row.allHeldMs = (System.nanoTime() - start) / 1_000_000;
                row.heldPerSecond = row.acknowledged * 1000.0 / Math.max(1, row.allHeldMs);
                double mails = Math.max(1, row.acknowledged);
                row.machineCpuMs = (machineCpu.nanos() - machineCpuBefore) / 1e6 / mails;
                if (!jamesPids.isEmpty()) {
                    long james = jamesCpu.nanos() - jamesCpuBefore;
                    row.jamesCpuMs = james / 1e6 / mails;
                    row.compilersShare = (compilersCpu.nanos() - compilersCpuBefore) / (double) Math.max(1, james);
                }
                break;
            }
            if (System.nanoTime() > deadline) {
                row.heldPerSecond = heldNow * 1e9 / (System.nanoTime() - start);
                break;
            }
            Thread.sleep(sampleMs);
        }
        log(server + ": " + row.acknowledged + " acknowledged (" + row.refused + " refused) in " + row.burstMs + " ms: "
            + Math.round(row.acceptedPerSecond) + " accepted/s; " + (row.allHeldMs < 0 ? "only " + heldNow + " held"
            : "all held after " + row.allHeldMs + " ms") + ": " + Math.round(row.heldPerSecond) + " held/s; largest backlog "
            + row.largestBacklog + "; CPU per mail " + cpu(row.machineCpuMs) + " ms (machine), " + cpu(row.jamesCpuMs)
            + " ms (James, of which JIT compilers " + share(row.compilersShare) + ")");
        return row;
    }

    /**
     * Rounds of a fifth of the burst, untimed, each until it is held, until James's JIT compilers are quiet: they took
     * less than {@value CpuTime#QUIET_COMPILERS_SHARE} of James's CPU over the last round; at most {@code maxRounds}
     * ({@code --warm-up-rounds}, else {@value Options#WARM_UP_ROUNDS}, on the cluster
     * {@value Options#CLUSTER_WARM_UP_ROUNDS}); one for Postfix. Why: a relay runs for weeks, its code long compiled;
     * the burst should measure that, not the compiling. Measured, 2026-12-05: after one round of 1,000 mails the
     * compiler threads still took a fifth of James's CPU through a 5,000-mail burst (docs/bench.md, "Warm-up"). The
     * row gives their share during the burst and the rounds it took.
     *
     * @return the rounds sent
     */
    private int warmUp(String server, long sampleMs, HeldCount held, CpuTime jamesCpu, CpuTime compilersCpu,
                       int maxRounds, int... smtpPorts) throws Exception {
        int mails = Math.max(100, options.mails / 5);
        for (int round = 1; ; round++) {
            long jamesBefore = jamesCpu.nanos();
            long compilersBefore = compilersCpu.nanos();
            long before = held.now();
            Burst.Result warm = Burst.of(mails, options.sessions, i -> nodes.get(i % nodes.size())).sendTo(smtpPorts);
            long deadline = System.nanoTime() + (120_000L + mails * 20L) * 1_000_000L;
            while (held.now() - before < warm.acknowledged().size() && System.nanoTime() < deadline) {
                Thread.sleep(sampleMs);
            }
            long james = jamesCpu.nanos() - jamesBefore;
            double compilers = james == 0 ? 0 : (compilersCpu.nanos() - compilersBefore) / (double) james;
            log(server + ": warm-up round " + round + ", " + warm.acknowledged().size() + " mails ("
                + Math.round(warm.acceptedPerSecond()) + " accepted/s)" + (james == 0 ? ""
                : ", JIT compilers " + share(compilers) + " of James's CPU"));
            if (compilers < CpuTime.QUIET_COMPILERS_SHARE || round >= maxRounds) {
                return round;
            }
        }
    }

    private static String share(double share) {
        return share < 0 ? "—" : Math.round(share * 100) + "%";
    }

    private String render(double totalSeconds) {
        StringBuilder out = new StringBuilder();
        out.append("# Durable intake (issue 18)\n\n");
        out.append("`").append(options.command).append("`, ").append(LocalDate.now()).append(", ")
            .append(Runtime.getRuntime().availableProcessors()).append(" cores, ").append(Math.round(totalSeconds))
            .append(" s in all. ").append(options.mails).append(" mails for ").append(options.nodes)
            .append(" held nodes over ").append(options.sessions).append(" SMTP sessions at once, one recipient each, the")
            .append(" sites down; every server on this machine, one after the other, each warmed up first (untimed) with")
            .append(" rounds of a fifth as many mails until its JIT compilers were quiet (under ")
            .append(share(CpuTime.QUIET_COMPILERS_SHARE)).append(" of James's CPU in a round; at most ")
            .append(options.warmUpRounds.map(String::valueOf).orElse(Options.WARM_UP_ROUNDS + ", on the cluster "
                + Options.CLUSTER_WARM_UP_ROUNDS)).append(" rounds), then emptied of them (James: its hold; Postfix: its queue).\n\n");
        out.append("| server | acknowledged | refused | accepted per second | held per second | all held after | "
            + "spool's largest backlog | CPU per mail: machine / James | JIT compilers' share of James's CPU | "
            + "warm-up rounds |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row row : rows) {
            out.append("| ").append(row.server).append(" | ").append(row.acknowledged).append(" | ").append(row.refused)
                .append(" | ").append(Math.round(row.acceptedPerSecond)).append(" | ").append(Math.round(row.heldPerSecond))
                .append(" | ").append(row.allHeldMs < 0 ? "not within the wait" : String.format("%.1f s", row.allHeldMs / 1000.0))
                .append(" | ").append(row.largestBacklog)
                .append(" | ").append(cpu(row.machineCpuMs)).append(" / ").append(cpu(row.jamesCpuMs)).append(" ms | ")
                .append(share(row.compilersShare)).append(" | ").append(row.warmUpRounds).append(" |\n");
        }
        out.append("\nAccepted per second: acknowledged mails over the time from the first MAIL to the last 250. Held per")
            .append(" second: acknowledged mails over the time from the first MAIL until all of them were held (James:")
            .append(" in the hold's repositories; Postfix: in its deferred queue). Backlog: acknowledged and not yet held,")
            .append(" the largest of the samples (every ").append(SAMPLE_MS).append(" ms, on the cluster every ")
            .append(CLUSTER_SAMPLE_MS).append(" ms). Targets: held per second at least")
            .append(" accepted per second on every server; the persistent server's accepted per second at least Postfix's.")
            .append(" CPU per mail: CPU time over the same span divided by the acknowledged mails, of the whole machine")
            .append(" (/proc/stat: the server, its stores and the benchmark's own client) and of James's JVMs (both on the")
            .append(" cluster); steadier than the rates when other work shares the machine. JIT compilers: the CPU of")
            .append(" James's C1 and C2 compiler threads (/proc) over the same span, as a share of James's.\n");
        return out.toString();
    }

    private static String cpu(double ms) {
        return ms < 0 ? "—" : String.format("%.2f", ms);
    }

    private static void log(String line) {
        System.err.println("[intake] " + line);
    }

    static final class Options extends BenchOptions {
        Options() {
            super("1g", "bench/run-bench.sh --intake");
        }

        static final int WARM_UP_ROUNDS = 40;
        /**
         * The cluster's default: each of its two servers sees half the mails at about 90 a second, so a quiet JIT
         * would take some 100,000 mails (20 minutes); its row is measured less warm, as its JIT column says.
         */
        static final int CLUSTER_WARM_UP_ROUNDS = 5;
        int mails = 10_000;
        /** At most this many warm-up rounds on every server (--warm-up-rounds), instead of the defaults above. */
        Optional<Integer> warmUpRounds = Optional.empty();
        int nodes = 100;
        int sessions = 20;
        boolean activemq = true;
        boolean cluster = true;
        boolean postfix = true;
        boolean memory;
        /** The spool's threads on every James server (--spool-threads), instead of the shipped conf's. */
        int spoolThreads;
        /** SMTP's in-flow delay on every James server (--in-flow-delay, 0 for none), instead of the shipped conf's. */
        Optional<String> inFlowDelay = Optional.empty();
        /**
         * The hold's root on the persistent and memory servers (--hold-root), instead of the shipped conf's file://
         * hold: memory:// measures what holding costs without a store on disk (an experiment: not durable).
         */
        String holdRoot = FILE_HOLD;

        static Options parse(String[] args) {
            Options options = new Options();
            options.parse(args, (arg, rest) -> {
                switch (arg) {
                    case "--mails":
                        options.mails = Integer.parseInt(rest.remove(0));
                        return true;
                    case "--nodes":
                        options.nodes = Integer.parseInt(rest.remove(0));
                        return true;
                    case "--sessions":
                        options.sessions = Integer.parseInt(rest.remove(0));
                        return true;
                    case "--no-activemq":
                        options.activemq = false;
                        return true;
                    case "--no-cluster":
                        options.cluster = false;
                        return true;
                    case "--no-postfix":
                        options.postfix = false;
                        return true;
                    case "--memory":
                        options.memory = true;
                        return true;
                    case "--spool-threads":
                        options.spoolThreads = Integer.parseInt(rest.remove(0));
                        return true;
                    case "--in-flow-delay":
                        options.inFlowDelay = Optional.of(rest.remove(0));
                        return true;
                    case "--warm-up-rounds":
                        options.warmUpRounds = Optional.of(Math.max(1, Integer.parseInt(rest.remove(0))));
                        return true;
                    case "--hold-root":
                        options.holdRoot = rest.remove(0);
                        return true;
                    default:
                        return false;
                }
            }, "[--quick] [--mails 10000] [--nodes 100] [--sessions 20] [--no-activemq] [--no-cluster] [--no-postfix]"
                + " [--memory] [--in-flow-delay 1s] [--spool-threads N] [--hold-root URL] [--warm-up-rounds N] [--out FILE] [--heap 1g]"
                + " [--jvm OPTION]");
            if (options.quick) {
                options.mails = Math.min(options.mails, 2_000);
                options.nodes = Math.min(options.nodes, 20);
            }
            options.finish(options.quick ? "bench/results-intake-quick.md" : "bench/results-intake.md");
            return options;
        }
    }
}
