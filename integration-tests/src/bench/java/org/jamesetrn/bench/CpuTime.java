package org.jamesetrn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * CPU time spent so far, in nanoseconds: the whole machine's (every core's busy time in /proc/stat: the server, its
 * stores, the benchmark's own client, all alike for every server measured) or some processes' (a JVM). Read at the
 * start and the end of a measure, the difference over the mails gives the CPU a mail costs, a figure far steadier than
 * a rate on a machine shared with other work.
 */
@FunctionalInterface
interface CpuTime {
    /** /proc counts CPU time in ticks of USER_HZ, 100 a second on Linux. */
    long NANOS_PER_TICK = 1_000_000_000L / 100;
    /** The JIT compilers are taken as quiet (a warm-up may end) below this share of their JVMs' CPU. */
    double QUIET_COMPILERS_SHARE = 0.05;

    long nanos() throws IOException;

    /** The machine's busy time: every field of /proc/stat's "cpu" line but idle and iowait. */
    static CpuTime machine() {
        return () -> {
            String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            long[] ticks = Arrays.stream(line.substring("cpu".length()).trim().split("\\s+")).limit(8)
                .mapToLong(Long::parseLong).toArray();
            long busy = Arrays.stream(ticks).sum() - ticks[3] - ticks[4];
            return busy * NANOS_PER_TICK;
        };
    }

    /** The processes' CPU time so far (a process gone counts nothing). */
    static CpuTime processes(List<Long> pids) {
        return () -> pids.stream()
            .mapToLong(pid -> ProcessHandle.of(pid).flatMap(handle -> handle.info().totalCpuDuration())
                .map(Duration::toNanos).orElse(0L))
            .sum();
    }

    /**
     * The CPU time so far of the processes' JIT compiler threads (HotSpot names them "C1 CompilerThread0", "C2
     * CompilerThread0"...; /proc shows the first 15 characters), from /proc/PID/task/TID/stat. HotSpot stops compiler
     * threads it no longer needs: a thread's last time read is kept after it is gone, so the sum never goes back (what
     * a thread spent between its last read and its end is not counted).
     */
    static CpuTime compilers(List<Long> pids) {
        Map<String, Long> lastTicks = new ConcurrentHashMap<>();
        return () -> {
            for (long pid : pids) {
                Path tasks = Path.of("/proc", String.valueOf(pid), "task");
                if (!Files.isDirectory(tasks)) {
                    continue;
                }
                try (Stream<Path> threads = Files.list(tasks)) {
                    for (Path thread : (Iterable<Path>) threads::iterator) {
                        String key = pid + "/" + thread.getFileName();
                        compilerTicks(thread.resolve("stat")).ifPresent(ticks -> lastTicks.put(key, ticks));
                    }
                }
            }
            return lastTicks.values().stream().mapToLong(Long::longValue).sum() * NANOS_PER_TICK;
        };
    }

    /** A compiler thread's user and system time in ticks; empty for another thread, or one gone. */
    private static Optional<Long> compilerTicks(Path stat) {
        String line;
        try {
            line = Files.readString(stat);
        } catch (IOException gone) {
            return Optional.empty();
        }
        String name = line.substring(line.indexOf('(') + 1, line.lastIndexOf(')'));
        if (!name.matches("C[12] CompilerThre.*")) {
            return Optional.empty();
        }
        // After the name: state, ppid, ... utime is the 12th field, stime the 13th.
        String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
        return Optional.of(Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
    }
}
