package org.jamesetrn.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The assembled stock James memory server (james-server/target/james: lib/, conf/, extensions-jars/) started as a
 * separate process, the way ./james.sh starts it, in its own working directory with a copy of conf/ and these
 * benchmark overrides only: loopback ports, the smarthost route's gatewayPort pointed at the sink, the ETRN rate
 * limit off (the benchmark sends hundreds of ETRNs on one connection), and the benchmark-only WebAdmin route
 * (org.jamesetrn.bench.probe) that fills a queue with deferred mail, added to the routes conf/ ships. Without the
 * extension, the ETRN handler, its module, its jars and its WebAdmin route are left out.
 */
final class JamesServer implements AutoCloseable {
    private static final Pattern ETRN_HANDLER = Pattern.compile(
        "<handler class=\"org\\.jamesetrn\\.protocol\\.EtrnCmdHandler\"\\s*(/>|>.*?</handler>)", Pattern.DOTALL);

    private final Path dist;
    private final Path workDir;
    private final Path probeJar;
    private final boolean withExtension;
    private final int smtpPort;
    private final int webAdminPort;
    private final int sinkPort;
    private final String heap;
    private final List<String> jvmOptions;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process process;

    JamesServer(Path dist, Path workDir, Path probeJar, boolean withExtension, int smtpPort, int webAdminPort,
                int sinkPort, String heap, List<String> jvmOptions) {
        this.dist = dist;
        this.workDir = workDir;
        this.probeJar = probeJar;
        this.withExtension = withExtension;
        this.smtpPort = smtpPort;
        this.webAdminPort = webAdminPort;
        this.sinkPort = sinkPort;
        this.heap = heap;
        this.jvmOptions = jvmOptions;
    }

    int smtpPort() {
        return smtpPort;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return workDir.resolve("james.log");
    }

    void start() throws Exception {
        prepare();
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx" + heap));
        command.addAll(jvmOptions);
        command.addAll(List.of(
            "-Dworking.directory=" + workDir,
            "-Dlogback.configurationFile=" + workDir.resolve("conf/logback.xml"),
            "-cp", dist.resolve("lib") + "/*",
            "org.apache.james.MemoryJamesServerMain"));
        process = new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log().toFile())
            .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("James exited at start-up, see " + log());
            }
            if (smtpAnswers() && webAdminAnswers()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("James did not start in 180 s, see " + log());
    }

    private void prepare() throws IOException {
        deleteTree(workDir);
        Files.createDirectories(workDir.resolve("extensions-jars"));
        copyTree(dist.resolve("conf"), workDir.resolve("conf"));
        if (withExtension) {
            copyTree(dist.resolve("extensions-jars"), workDir.resolve("extensions-jars"));
        }
        Files.copy(probeJar, workDir.resolve("extensions-jars/etrn-bench-probe.jar"), StandardCopyOption.REPLACE_EXISTING);

        Path smtp = workDir.resolve("conf/smtpserver.xml");
        String smtpXml = Files.readString(smtp)
            .replaceAll("<bind>[^<]*</bind>", "<bind>127.0.0.1:" + smtpPort + "</bind>")
            .replaceAll("<permits>\\s*\\d+\\s*</permits>", "<permits>0</permits>");
        if (!withExtension) {
            smtpXml = ETRN_HANDLER.matcher(smtpXml).replaceAll("");
        }
        Files.writeString(smtp, smtpXml);

        Path mailets = workDir.resolve("conf/mailetcontainer.xml");
        Files.writeString(mailets, Files.readString(mailets)
            .replaceAll("<gatewayPort>[^<]*</gatewayPort>", "<gatewayPort>" + sinkPort + "</gatewayPort>"));

        Path webadmin = workDir.resolve("conf/webadmin.properties");
        StringBuilder properties = new StringBuilder();
        List<String> routes = new ArrayList<>();
        for (String line : Files.readAllLines(webadmin)) {
            if (line.startsWith("extensions.routes=")) {
                routes.addAll(shippedRoutes(line.substring("extensions.routes=".length())));
            } else if (!line.startsWith("host=") && !line.startsWith("port=") && !line.startsWith("enabled=")) {
                properties.append(line).append('\n');
            }
        }
        routes.add("org.jamesetrn.bench.probe.BenchQueueRoutes");
        properties.append("enabled=true\nhost=127.0.0.1\nport=").append(webAdminPort).append('\n')
            .append("extensions.routes=").append(String.join(",", routes)).append('\n');
        Files.writeString(webadmin, properties.toString());

        if (!withExtension) {
            Files.writeString(workDir.resolve("conf/extensions.properties"), "# benchmark: without the ETRN extension\n");
            Files.deleteIfExists(workDir.resolve("conf/etrn.properties"));
        }
    }

    /** The routes conf/ ships; without the extension our jars are absent, so our routes are left out. */
    private List<String> shippedRoutes(String value) {
        List<String> routes = new ArrayList<>();
        for (String route : value.split(",")) {
            String name = route.trim();
            if (!name.isEmpty() && (withExtension || !name.startsWith("org.jamesetrn."))) {
                routes.add(name);
            }
        }
        return routes;
    }

    private boolean smtpAnswers() {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), smtpPort)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private boolean webAdminAnswers() {
        try {
            return get("/bench/queues/" + Bench.QUEUE).statusCode() == 200;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Enqueues {@code count} deferred mails (1 hour delay) round robin over {@code domains}; returns milliseconds. */
    long fillDeferred(String queue, int count, String domains, String prefix) throws Exception {
        int done = 0;
        long start = System.nanoTime();
        while (done < count) {
            int batch = Math.min(20_000, count - done);
            HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/bench/queues/" + queue + "/deferred?count=" + batch
                + "&domains=" + domains + "&prefix=" + prefix + "-" + done))
                .POST(HttpRequest.BodyPublishers.noBody()));
            check(response);
            done += batch;
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    long size(String queue) throws Exception {
        HttpResponse<String> response = get("/bench/queues/" + queue);
        check(response);
        return jsonNumber(response.body(), "size");
    }

    void clear(String queue) throws Exception {
        check(send(HttpRequest.newBuilder(uri("/bench/queues/" + queue)).DELETE()));
    }

    /** James's own WebAdmin flush: every delayed mail of the queue is re-enqueued for immediate delivery. */
    HttpResponse<String> flush(String queue) throws Exception {
        return send(HttpRequest.newBuilder(uri("/mailQueues/" + queue + "/mails?delayed=true"))
            .header("Content-Type", "application/json")
            .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"delayed\": false}")));
    }

    /** Where the server's log ends now: lines written later are read from here. */
    long logLength() throws IOException {
        return Files.size(log());
    }

    /**
     * When the release engine logged the end of a release for {@code node} after {@code fromOffset} ("ETRN node: n
     * deferred mails selected, m re-enqueued", written once every selected mail is back in the queue for delivery),
     * in epoch milliseconds (the log has millisecond resolution), or -1.
     */
    long releaseLoggedAtMillis(long fromOffset, String node) throws IOException {
        byte[] all = Files.readAllBytes(log());
        String tail = new String(all, (int) Math.min(fromOffset, all.length), (int) Math.max(0, all.length - fromOffset),
            StandardCharsets.UTF_8);
        Matcher line = Pattern.compile("(?m)^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) .*ETRN " + Pattern.quote(node)
            + ": \\d+ deferred mails selected, \\d+ re-enqueued").matcher(tail);
        if (!line.find()) {
            return -1;
        }
        java.time.LocalTime time = java.time.LocalTime.parse(line.group(1));
        return java.time.LocalDate.now().atTime(time).atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli();
    }

    /** How many releases for {@code node} the engine logged after {@code fromOffset}. */
    long releasesLogged(long fromOffset, String node) throws IOException {
        byte[] all = Files.readAllBytes(log());
        String tail = new String(all, (int) Math.min(fromOffset, all.length), (int) Math.max(0, all.length - fromOffset),
            StandardCharsets.UTF_8);
        Matcher line = Pattern.compile("ETRN " + Pattern.quote(node) + ": \\d+ deferred mails selected").matcher(tail);
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

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + webAdminPort + path);
    }

    private static void check(HttpResponse<String> response) {
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(response.request().uri() + " -> " + response.statusCode() + " " + response.body());
        }
    }

    static long jsonNumber(String json, String key) {
        Matcher matcher = Pattern.compile("\"" + key + "\"\\s*:\\s*(\\d+)").matcher(json);
        if (!matcher.find()) {
            throw new IllegalStateException("no " + key + " in " + json);
        }
        return Long.parseLong(matcher.group(1));
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted((a, b) -> b.getNameCount() - a.getNameCount())::iterator) {
                Files.delete(path);
            }
        }
    }
}
