package org.jamesetrn.kit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The kit's probe, seen from outside James: the WebAdmin routes of {@code org.jamesetrn.kit.probe} that a test or the
 * benchmark installs into a James it starts ({@link #installInto}), and their client. They fill a RemoteDelivery queue
 * with deferred mail through James's own {@code MailQueueFactory} (100,000 in seconds, where SMTP would take minutes)
 * and read what waits there, and fill the hold. JDK only: the routes themselves run inside James.
 */
public final class ProbeRoutes {
    /** Named, not referenced: only the James they are installed into has the classes they need. */
    public static final List<String> ROUTES = List.of("org.jamesetrn.kit.probe.QueueRoutes", "org.jamesetrn.kit.probe.HoldRoutes");
    private static final String BASE = "/probe/queues/";
    private static final String HOLDS = "/probe/holds";
    private static final String JAR_SUFFIX = "-probe.jar";
    private static final Pattern MAIL = Pattern.compile(
        "\\{\"name\":\"([^\"]*)\",\"recipients\":\\[([^\\]]*)\\],\"nextDelivery\":(\\d+),\"retries\":(\\d+)\\}");

    /** One mail waiting in a queue, as the route reports it. */
    public static final class Waiting {
        private final String name;
        private final List<String> recipients;
        private final long nextDeliveryMillis;
        private final int retries;

        Waiting(String name, List<String> recipients, long nextDeliveryMillis, int retries) {
            this.name = name;
            this.recipients = recipients;
            this.nextDeliveryMillis = nextDeliveryMillis;
            this.retries = retries;
        }

        public String name() {
            return name;
        }

        public List<String> recipients() {
            return recipients;
        }

        /** Whether its next attempt is more than {@code fromNow} away (a deferred mail waits an hour). */
        public boolean deferredBeyond(Duration fromNow) {
            return nextDeliveryMillis > System.currentTimeMillis() + fromNow.toMillis();
        }

        /** RemoteDelivery's {@code delivery_retry_count}. */
        public int retries() {
            return retries;
        }

        @Override
        public String toString() {
            return name + " " + recipients + " retries=" + retries + " next=" + nextDeliveryMillis;
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

    public long size(String queue) throws Exception {
        HttpResponse<String> response = webAdmin.get(BASE + queue);
        check(response);
        return jsonNumber(response.body(), "size");
    }

    public List<Waiting> waiting(String queue) throws Exception {
        HttpResponse<String> response = webAdmin.get(BASE + queue + "/mails");
        check(response);
        List<Waiting> mails = new ArrayList<>();
        Matcher mail = MAIL.matcher(response.body());
        while (mail.find()) {
            List<String> recipients = new ArrayList<>();
            Matcher recipient = Pattern.compile("\"([^\"]*)\"").matcher(mail.group(2));
            while (recipient.find()) {
                recipients.add(recipient.group(1));
            }
            mails.add(new Waiting(mail.group(1), recipients, Long.parseLong(mail.group(3)), Integer.parseInt(mail.group(4))));
        }
        return mails;
    }

    public void clear(String queue) throws Exception {
        check(webAdmin.delete(BASE + queue));
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
    public long held(String root) throws Exception {
        HttpResponse<String> response = webAdmin.get(HOLDS + "?root=" + root);
        check(response);
        return jsonNumber(response.body(), "size");
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
