package org.jamesetrn.kit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The kit's probe, seen from outside James: the WebAdmin routes of {@code org.jamesetrn.kit.probe} that a test or the
 * benchmark installs into a James it starts ({@link #installInto}: in this JVM or as a process alike), and their
 * client, the one way the tests and the benchmark read and fill James's queues and the hold. They fill a
 * RemoteDelivery queue with deferred mail through James's own {@code MailQueueFactory} (100,000 in seconds, where SMTP
 * would take minutes), read what waits there (retry count, next delivery) and clear it; fill the hold, read what it
 * holds for a domain (key, recipients, since, generation) and empty it. JDK only: the routes themselves run inside
 * James.
 */
public final class ProbeRoutes {
    /** Named, not referenced: only the James they are installed into has the classes they need. */
    public static final List<String> ROUTES = List.of("org.jamesetrn.kit.probe.QueueRoutes", "org.jamesetrn.kit.probe.HoldRoutes");
    private static final String BASE = "/probe/queues/";
    private static final String HOLDS = "/probe/holds";
    private static final String JAR_SUFFIX = "-probe.jar";
    private static final Pattern MAIL = Pattern.compile(
        "\\{\"name\":\"([^\"]*)\",\"recipients\":\\[([^\\]]*)\\],\"nextDelivery\":(-?\\d+|null),\"retries\":(\\d+)\\}");
    private static final Pattern HELD = Pattern.compile(
        "\\{\"key\":\"([^\"]*)\",\"recipients\":\\[([^\\]]*)\\],\"since\":(-?\\d+|null),\"generation\":(?:\"([^\"]*)\"|null)\\}");
    private static final Pattern STRING = Pattern.compile("\"([^\"]*)\"");

    /** One mail waiting in a queue, as the route reports it: a snapshot, not the stored mail. */
    public static final class Waiting {
        private final String name;
        private final List<String> recipients;
        private final Optional<Instant> nextDelivery;
        private final int retries;

        Waiting(String name, List<String> recipients, Optional<Instant> nextDelivery, int retries) {
            this.name = name;
            this.recipients = recipients;
            this.nextDelivery = nextDelivery;
            this.retries = retries;
        }

        public String name() {
            return name;
        }

        public List<String> recipients() {
            return recipients;
        }

        /** When the queue will hand it to delivery; empty when the queue gives no time. */
        public Optional<Instant> nextDelivery() {
            return nextDelivery;
        }

        /** Whether its next attempt is more than {@code fromNow} away (a deferred mail waits an hour). */
        public boolean deferredBeyond(Duration fromNow) {
            return nextDelivery.filter(next -> next.isAfter(Instant.now().plus(fromNow))).isPresent();
        }

        /** RemoteDelivery's {@code delivery_retry_count}: failed attempts counted towards the bounce. */
        public int retries() {
            return retries;
        }

        @Override
        public String toString() {
            return name + " " + recipients + " retries=" + retries + " next=" + nextDelivery.map(Instant::toString).orElse("-");
        }
    }

    /** One mail in the hold, as the route reports it (what the hold stored with it: since, generation). */
    public static final class Held {
        private final String key;
        private final List<String> recipients;
        private final Optional<Instant> since;
        private final Optional<String> generation;

        Held(String key, List<String> recipients, Optional<Instant> since, Optional<String> generation) {
            this.key = key;
            this.recipients = recipients;
            this.since = since;
            this.generation = generation;
        }

        /** Its key in the domain's repository. */
        public String key() {
            return key;
        }

        public List<String> recipients() {
            return recipients;
        }

        /** When it first entered the hold: the expiry clock. */
        public Optional<Instant> since() {
            return since;
        }

        /** Names one held mail from the moment it enters the hold until it leaves it for good. */
        public Optional<String> generation() {
            return generation;
        }

        @Override
        public String toString() {
            return key + " " + recipients + " since=" + since.map(Instant::toString).orElse("-")
                + " generation=" + generation.orElse("-");
        }
    }

    private final WebAdmin webAdmin;

    public ProbeRoutes(WebAdmin webAdmin) {
        this.webAdmin = webAdmin;
    }

    /** The probe jar the build makes beside this module's jar (integration-tests/target/*-probe.jar). */
    public static Path jar(Repository repository) {
        Path target = repository.root().resolve("integration-tests/target");
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(file -> file.getFileName().toString().endsWith(JAR_SUFFIX)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no *" + JAR_SUFFIX + " in " + target
                    + " (build the reactor first: mvn verify from the repository root)"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds the probe jar to the instance's extensions-jars/ and the routes to its extensions.routes. */
    public static void installInto(JamesInstance instance, Path probeJar) throws IOException {
        instance.addExtensionJar(probeJar, "etrn-kit-probe.jar");
        ROUTES.forEach(instance::addWebAdminRoute);
    }

    /** Whether the route answers for this queue (it does once James is up and the queue exists). */
    public boolean answers(String queue) {
        try {
            return webAdmin.get(BASE + queue).statusCode() == 200;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /**
     * Enqueues {@code count} mails deferred by {@code delay} (zero: due now), recipients round robin over
     * {@code domains} (comma separated), names and Message-IDs from {@code prefix}; returns milliseconds.
     */
    public long fill(String queue, int count, String domains, String prefix, Duration delay) throws Exception {
        int done = 0;
        long start = System.nanoTime();
        while (done < count) {
            int batch = Math.min(20_000, count - done);
            check(webAdmin.post(BASE + queue + "/deferred?count=" + batch + "&domains=" + domains
                + "&prefix=" + prefix + "-" + done + "&delaySeconds=" + delay.toSeconds()));
            done += batch;
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** {@link #fill} with RemoteDelivery's first retry delay of conf/mailetcontainer.xml: one hour. */
    public long fillDeferred(String queue, int count, String domains, String prefix) throws Exception {
        return fill(queue, count, domains, prefix, Duration.ofHours(1));
    }

    /** The Message-ID the route gives the mail named {@code name}. */
    public static String messageId(String name) {
        return "<" + name + "@probe>";
    }

    /** The mails in the queue, waiting and in delivery. */
    public long size(String queue) throws Exception {
        HttpResponse<String> response = webAdmin.get(BASE + queue);
        check(response);
        return jsonNumber(response.body(), "size");
    }

    /** {@link #size}, 0 for a queue not created yet (RemoteDelivery creates its queue at start-up). */
    public long sizeIfExists(String queue) throws Exception {
        HttpResponse<String> response = webAdmin.get(BASE + queue);
        if (response.statusCode() == 404) {
            return 0;
        }
        check(response);
        return jsonNumber(response.body(), "size");
    }

    /** The mails waiting in the queue (not those a delivery thread holds right now), read without taking them. */
    public List<Waiting> waiting(String queue) throws Exception {
        HttpResponse<String> response = webAdmin.get(BASE + queue + "/mails");
        check(response);
        List<Waiting> mails = new ArrayList<>();
        Matcher mail = MAIL.matcher(response.body());
        while (mail.find()) {
            mails.add(new Waiting(mail.group(1), strings(mail.group(2)), instant(mail.group(3)),
                Integer.parseInt(mail.group(4))));
        }
        return allRead(mails, response.body(), "{\"name\":");
    }

    public void clear(String queue) throws Exception {
        check(webAdmin.delete(BASE + queue));
    }

    /** {@link #clear}; a queue not created yet holds nothing. */
    public void clearIfExists(String queue) throws Exception {
        HttpResponse<String> response = webAdmin.delete(BASE + queue);
        if (response.statusCode() != 404) {
            check(response);
        }
    }

    /** Sends mails into the spool at the hold's processor (etrn-hold), where HoldForEtrn holds them. */
    public void hold(int count, String domains, String prefix) throws Exception {
        check(webAdmin.post(HOLDS + "/held?processor=etrn-hold&count=" + count + "&domains=" + domains + "&prefix=" + prefix));
    }

    /** Stores mails straight into James's repositories under {@code root}, without the extension. */
    public void store(String root, int count, String domains, String prefix) throws Exception {
        check(webAdmin.post(HOLDS + "/stored?root=" + root + "&count=" + count + "&domains=" + domains + "&prefix=" + prefix));
    }

    /** The mails in every repository under the root. */
    public long heldCount(String root) throws Exception {
        HttpResponse<String> response = webAdmin.get(HOLDS + "?root=" + encoded(root));
        check(response);
        return jsonNumber(response.body(), "size");
    }

    /**
     * The mails held for {@code domain} under the root, counted without reading any (the way to wait for mail to
     * arrive in the hold: see {@link #held(String, String)}).
     */
    public long heldCount(String root, String domain) throws Exception {
        HttpResponse<String> response = webAdmin.get(HOLDS + "?root=" + encoded(root) + "&domain=" + encoded(domain));
        check(response);
        return jsonNumber(response.body(), "size");
    }

    /**
     * The mails held for {@code domain} in the hold under {@code root} (none when it has no repository yet). Each is
     * read: call it once the mails are there ({@link #heldCount(String, String)}), not to wait for them, since James's
     * file repository deletes a mail read while it is still being written.
     */
    public List<Held> held(String root, String domain) throws Exception {
        HttpResponse<String> response = webAdmin.get(HOLDS + "/mails?root=" + encoded(root) + "&domain=" + encoded(domain));
        check(response);
        List<Held> mails = new ArrayList<>();
        Matcher mail = HELD.matcher(response.body());
        while (mail.find()) {
            mails.add(new Held(mail.group(1), strings(mail.group(2)), instant(mail.group(3)),
                Optional.ofNullable(mail.group(4))));
        }
        return allRead(mails, response.body(), "{\"key\":");
    }

    /** The keys of the mails held for {@code domain} under the root, listed without reading any mail. */
    public List<String> heldKeys(String root, String domain) throws Exception {
        HttpResponse<String> response = webAdmin.get(HOLDS + "/keys?root=" + encoded(root) + "&domain=" + encoded(domain));
        check(response);
        return strings(response.body());
    }

    /** Empties every repository under the root. */
    public void clearHold(String root) throws Exception {
        check(webAdmin.delete(HOLDS + "?root=" + encoded(root)));
    }

    /** The mails read from a route's JSON, once sure that every object it lists was read (the routes and this client change together). */
    private static <T> List<T> allRead(List<T> mails, String json, String objectStart) {
        int objects = json.split(Pattern.quote(objectStart), -1).length - 1;
        if (objects != mails.size()) {
            throw new IllegalStateException("read " + mails.size() + " of " + objects + " mails in " + json);
        }
        return mails;
    }

    private static String encoded(String parameter) {
        return URLEncoder.encode(parameter, StandardCharsets.UTF_8);
    }

    /** The strings of a JSON array's inside ({@code "a","b"}). */
    private static List<String> strings(String arrayInside) {
        List<String> strings = new ArrayList<>();
        Matcher string = STRING.matcher(arrayInside);
        while (string.find()) {
            strings.add(string.group(1));
        }
        return strings;
    }

    /** Epoch milliseconds (ActiveMQ's queue says -1 for a mail due now), or {@code null}. */
    private static Optional<Instant> instant(String millis) {
        return "null".equals(millis) ? Optional.empty() : Optional.of(Instant.ofEpochMilli(Long.parseLong(millis)));
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
}
