package org.jamesetrn.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The options every benchmark of bench/run-bench.sh takes: where the repository is, where the report goes, the kit's
 * probe jar (bench/run-bench.sh passes it), the heap and other JVM options of the James servers, and the command line
 * the report quotes.
 */
abstract class BenchOptions {
    Path repo = Path.of(".").toAbsolutePath().normalize();
    Path out;
    Path probeJar;
    String heap;
    /** More JVM options for the James servers (--jvm, repeatable): a profiler, a driver setting. */
    final List<String> jvmOptions = new ArrayList<>();
    String command;
    /** --quick: a smaller run of the same benchmark. */
    boolean quick;

    BenchOptions(String heap, String command) {
        this.heap = heap;
        this.command = command;
    }

    /** One option of a benchmark's own: takes it (and its value from {@code rest}); false if it is none of them. */
    @FunctionalInterface
    interface OwnOptions {
        boolean take(String arg, List<String> rest);
    }

    /**
     * Reads the command line: --quick, the benchmark's own options, the common ones; an option that is none of them
     * stops the run with the usage.
     */
    void parse(String[] args, OwnOptions own, String usage) {
        List<String> rest = new ArrayList<>(List.of(args));
        while (!rest.isEmpty()) {
            String arg = rest.remove(0);
            if (arg.equals("--quick")) {
                quick = true;
            } else if (!own.take(arg, rest) && !common(arg, rest)) {
                throw new IllegalArgumentException("unknown option " + arg + "; usage: " + usage);
            }
        }
    }

    /** Takes one of the common options (and its value from {@code rest}); false if {@code arg} is none of them. */
    private boolean common(String arg, List<String> rest) {
        switch (arg) {
            case "--repo":
                repo = Path.of(rest.remove(0)).toAbsolutePath().normalize();
                return true;
            case "--out":
                out = Path.of(rest.remove(0)).toAbsolutePath();
                return true;
            case "--probe-jar":
                probeJar = Path.of(rest.remove(0)).toAbsolutePath();
                return true;
            case "--heap":
                heap = rest.remove(0);
                return true;
            case "--jvm":
                jvmOptions.add(rest.remove(0));
                return true;
            case "--command":
                command = rest.remove(0);
                return true;
            default:
                return false;
        }
    }

    /** The James servers' JVM options: the heap, then every --jvm. */
    List<String> jvm() {
        List<String> all = new ArrayList<>(List.of("-Xmx" + heap));
        all.addAll(jvmOptions);
        return all;
    }

    /** The report's default file, under the repository, unless --out said otherwise; the probe jar is there. */
    void finish(String defaultReport) {
        if (out == null) {
            out = repo.resolve(defaultReport);
        }
        if (probeJar == null) {
            throw new IllegalArgumentException("--probe-jar is required (bench/run-bench.sh passes it)");
        }
    }
}
