package org.jamesetrn.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.james.core.Domain;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.task.Hostname;
import org.apache.james.task.MemoryTaskManager;
import org.apache.james.task.TaskExecutionDetails;
import org.apache.james.task.TaskId;
import org.apache.james.task.TaskManager;
import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.WebAdminConfiguration;
import org.apache.james.webadmin.WebAdminServer;
import org.apache.james.webadmin.authentication.NoAuthenticationFilter;
import org.apache.james.webadmin.mdc.LoggingRequestFilter;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.jamesetrn.node.Node;
import org.jamesetrn.policy.AdminPolicy;
import org.jamesetrn.policy.PolicyUnavailableException;
import org.jamesetrn.release.DeferredMailInventory;
import org.jamesetrn.release.RecordingRelease;
import org.jamesetrn.release.ReleaseException;
import org.jamesetrn.release.SourceFigures;
import org.jamesetrn.release.UnknownQueueException;
import org.jamesetrn.task.NodeReleaseTask;
import org.jamesetrn.testing.MovingClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import com.google.common.collect.ImmutableList;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/** The route on James's own WebAdmin server (random loopback port), with a scripted release engine and ETRN policy. */
class EtrnRoutesTest {
    private final RecordingRelease release = new RecordingRelease().startingCount(3);
    private final MemoryTaskManager taskManager = new MemoryTaskManager(new Hostname("etrn-test"));
    private volatile List<SourceFigures> waiting = List.of();
    private final DeferredMailInventory inventory = node -> {
        if (node.kind() == Node.Kind.QUEUE && !node.name().equals("outgoing")) {
            throw new UnknownQueueException(node.name());
        }
        return waiting;
    };

    private final ScriptedPolicy policy = new ScriptedPolicy();
    private final MovingClock clock = new MovingClock();
    private final Logger routeLogger = (Logger) LoggerFactory.getLogger(EtrnRoutes.class);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    private final HttpClient http = HttpClient.newHttpClient();
    private WebAdminServer server;

    @BeforeEach
    void start() {
        lines.start();
        routeLogger.setLevel(Level.INFO);
        routeLogger.addAppender(lines);
        EtrnRoutes routes = new EtrnRoutes(release, inventory, policy, taskManager, new JsonTransformer(),
            Duration.ofMillis(200), Duration.ofMillis(200), clock);
        server = new TestWebAdminServer(ImmutableList.of(routes)).start();
    }

    @AfterEach
    void stop() {
        routeLogger.detachAppender(lines);
        routeLogger.setLevel(null);
        server.destroy();
        taskManager.stop();
    }

    /**
     * The ETRN handler's policy as the route sees it: {@code @customer.test} and queue {@code outgoing-smarthost}
     * served, {@code relay.local} local, {@code permits} requests per caller.
     */
    private static final class ScriptedPolicy implements AdminPolicy {
        private final Map<InetAddress, AtomicInteger> taken = new ConcurrentHashMap<>();
        private volatile int permits = 100;
        private volatile boolean domainListDown;

        @Override
        public Optional<String> refusal(Node node) throws PolicyUnavailableException {
            if (domainListDown) {
                throw new PolicyUnavailableException("cannot read the local domains", new IllegalStateException("down"));
            }
            if (node.kind() == Node.Kind.QUEUE) {
                return node.name().equals("outgoing-smarthost") ? Optional.empty() : Optional.of("queue not served by this server");
            }
            if (node.covers(Domain.of("relay.local"))) {
                return Optional.of("local domain");
            }
            return Node.domainAndSubdomains("customer.test").includes(node) ? Optional.empty()
                : Optional.of("node not served by this server");
        }

        @Override
        public boolean tryAcquire(InetAddress caller) {
            return taken.computeIfAbsent(caller, any -> new AtomicInteger()).incrementAndGet() <= permits;
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "customer.test, customer.test",
        "Customer.TEST., customer.test",
        "@customer.test, @customer.test",
        "%40customer.test, @customer.test",
        "%23outgoing-smarthost, #outgoing-smarthost"})
    void releasesTheNodeAndAnswersTheCount(String path, String node) throws Exception {
        HttpResponse<String> response = post("/etrn/" + path);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
            type -> assertThat(type).startsWith("application/json"));
        assertThat(response.body()).isEqualTo("{\"node\":\"" + node + "\",\"released\":3}");
        assertThat(release.released()).extracting(Node::asString).containsExactly(node);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"a..b", "%23", "%40", "customer.test%20other.test", "%5B192.0.2.1%5D", "user%40customer.test",
        "%23..%2F..%2Fetc", "customer.test%09"})
    void answers400ForASyntaxErrorWithoutEchoingIt(String path) throws Exception {
        HttpResponse<String> response = post("/etrn/" + path);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body())
            .contains("\"statusCode\":400", "\"type\":\"InvalidArgument\"", "\"message\":\"Invalid ETRN node: ")
            .doesNotContain("192.0.2.1", "user", "etc");
        assertThat(release.released()).isEmpty();
    }

    @Test
    void jettyRefusesAnEncodedNulBeforeTheRoute() throws Exception {
        HttpResponse<String> response = post("/etrn/customer.test%00");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(release.released()).isEmpty();
    }

    @Test
    void answers400WithoutANode() throws Exception {
        HttpResponse<String> response = post("/etrn");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("a node is required");
    }

    @Test
    void answers404ForAQueueTheEngineDoesNotServe() throws Exception {
        release.failingWith(new UnknownQueueException("nosuch"));

        HttpResponse<String> response = post("/etrn/%23nosuch?force=true");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("\"type\":\"notFound\"", "Queue nosuch is not served by ETRN");
    }

    @Test
    void answers503WhenTheReleaseFails() throws Exception {
        release.failingWith(new ReleaseException("queue backend down"));

        HttpResponse<String> response = post("/etrn/customer.test");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("\"type\":\"ServerError\"", "Unable to release node customer.test");
    }

    @Test
    void answers503WhenTheReleaseCannotStart() throws Exception {
        release.answering(node -> {
            throw new ReleaseException("no queue factory");
        });

        assertThat(post("/etrn/customer.test").statusCode()).isEqualTo(503);
    }

    @Test
    void aReleaseStillRunningAtTheAnswerIsFollowedByATask() throws Exception {
        CompletableFuture<Long> count = new CompletableFuture<>();
        release.answering(node -> count);

        HttpResponse<String> response = post("/etrn/@customer.test");

        assertThat(response.statusCode()).isEqualTo(202);
        Matcher taskId = Pattern.compile("\"taskId\":\"([0-9a-f-]+)\"").matcher(response.body());
        assertThat(taskId.find()).as("taskId in %s", response.body()).isTrue();
        assertThat(response.body()).startsWith("{\"node\":\"@customer.test\"").doesNotContain("released");

        // The task joins the release (the engine's second request for the node) and ends with it.
        count.complete(4L);
        TaskExecutionDetails details = taskManager.await(TaskId.fromString(taskId.group(1)), Duration.ofSeconds(10));
        assertThat(details.getStatus()).isEqualTo(TaskManager.Status.COMPLETED);
        assertThat(details.getType()).isEqualTo(NodeReleaseTask.TYPE);
        assertThat(details.getAdditionalInformation()).hasValueSatisfying(information -> {
            NodeReleaseTask.Details releaseDetails = (NodeReleaseTask.Details) information;
            assertThat(releaseDetails.node().asString()).isEqualTo("@customer.test");
            assertThat(releaseDetails.counted()).contains(4L);
            assertThat(releaseDetails.dispatched()).contains(4L);
        });
    }

    @Test
    void getShowsWhatWaitsPerSource() throws Exception {
        Instant held = clock.instant().minusSeconds(120);
        waiting = List.of(
            new SourceFigures(SourceFigures.Kind.HOLD, "file://var/mail/etrn-hold/customer.test", 2, 300,
                Optional.of(held), Optional.of(held.plus(Duration.ofDays(5))), false),
            new SourceFigures(SourceFigures.Kind.QUEUE, "outgoing", 1, 100, Optional.of(clock.instant()), Optional.empty(), false));

        HttpResponse<String> response = get("/etrn/customer.test");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
            .contains("\"node\":\"customer.test\",\"mails\":3,\"bytes\":400,")
            .contains("\"oldestAgeSeconds\":120,")
            .contains("\"nextExpiry\":\"" + held.plus(Duration.ofDays(5)) + "\"")
            .contains("{\"kind\":\"hold\",\"source\":\"file://var/mail/etrn-hold/customer.test\",\"mails\":2,\"bytes\":300")
            .contains("{\"kind\":\"queue\",\"source\":\"outgoing\",\"mails\":1,\"bytes\":100");
        assertThat(release.released()).as("nothing released").isEmpty();
    }

    @Test
    void getAnswers400And404LikePost() throws Exception {
        assertThat(get("/etrn/a..b").statusCode()).isEqualTo(400);
        assertThat(get("/etrn/%23nosuch").statusCode()).isEqualTo(404);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "%40com, @com, node not served by this server",
        "unlisted.test, unlisted.test, node not served by this server",
        "%40local, @local, local domain",
        "relay.local, relay.local, local domain",
        "%23outgoing, #outgoing, queue not served by this server"})
    void answers403ForANodeTheEtrnPolicyRefusesAndReleasesNothing(String path, String node, String reason) throws Exception {
        HttpResponse<String> response = post("/etrn/" + path);

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("\"statusCode\":403", "\"type\":\"InvalidArgument\"",
            "\"message\":\"Node " + node + " not released: " + reason + " (the ETRN policy of smtpserver.xml); "
                + "add ?force=true to release it anyway\"");
        assertThat(release.released()).isEmpty();
        assertThat(lines()).containsExactly("INFO WebAdmin ETRN node " + node + ": refused, " + reason);
    }

    @Test
    void forceReleasesANodeThePolicyRefusesAndLogsItAsForced() throws Exception {
        HttpResponse<String> response = post("/etrn/%40com?force=true");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"node\":\"@com\",\"released\":3}");
        assertThat(release.released()).extracting(Node::asString).containsExactly("@com");
        assertThat(lines()).containsExactly(
            "INFO WebAdmin ETRN node @com (forced past the ETRN policy: node not served by this server): released 3 deferred mails");
    }

    @Test
    void forceOnAServedNodeIsNotLoggedAsForced() throws Exception {
        assertThat(post("/etrn/customer.test?force=true").statusCode()).isEqualTo(200);

        assertThat(lines()).containsExactly("INFO WebAdmin ETRN node customer.test: released 3 deferred mails");
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "TRUE", "1", ""})
    void answers400ForAForceThatIsNeitherTrueNorFalse(String value) throws Exception {
        HttpResponse<String> response = post("/etrn/%40com?force=" + value);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("force is true or false");
        assertThat(release.released()).isEmpty();
    }

    @Test
    void answers429BeyondTheCallersRateLimitForcedOrNot() throws Exception {
        policy.permits = 2;

        assertThat(post("/etrn/customer.test").statusCode()).isEqualTo(200);
        assertThat(post("/etrn/%40com?force=true").statusCode()).isEqualTo(200);
        HttpResponse<String> limited = post("/etrn/customer.test");
        HttpResponse<String> limitedForced = post("/etrn/%40com?force=true");

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.body()).contains("\"type\":\"WrongState\"",
            "Too many ETRN releases from 127.0.0.1, try later (the ETRN handler's rateLimit in smtpserver.xml)");
        assertThat(limitedForced.statusCode()).isEqualTo(429);
        assertThat(release.released()).extracting(Node::asString).containsExactly("customer.test", "@com");
        assertThat(policy.taken).containsOnlyKeys(InetAddress.getByName("127.0.0.1"));
    }

    @Test
    void aSyntaxErrorTakesNothingFromTheRateLimit() throws Exception {
        policy.permits = 1;

        assertThat(post("/etrn/a..b").statusCode()).isEqualTo(400);
        assertThat(post("/etrn/customer.test").statusCode()).isEqualTo(200);
    }

    @Test
    void answers503WhenThePolicyCannotBeApplied() throws Exception {
        policy.domainListDown = true;

        HttpResponse<String> response = post("/etrn/customer.test");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("\"type\":\"ServerError\"",
            "Unable to apply the ETRN policy to node customer.test (cannot read the local domains), try later");
        assertThat(release.released()).isEmpty();
    }

    @Test
    void aCountKnownOnlyAfterTheRoutesWaitIs202WithATaskNot500() throws Exception {
        // The count completes the moment the route's wait for it has ended (CountWait then registers its late-outcome
        // log line), before the route's wait for the end: the release is over, but its count was not known in time.
        CompletableFuture<Long> count = new CompletableFuture<>() {
            @Override
            public CompletableFuture<Long> whenComplete(BiConsumer<? super Long, ? super Throwable> action) {
                CompletableFuture<Long> logged = super.whenComplete(action);
                complete(5L);
                return logged;
            }
        };
        release.answering(node -> count);

        HttpResponse<String> response = post("/etrn/customer.test");

        assertThat(response.statusCode()).isEqualTo(202);
        Matcher taskId = Pattern.compile("\"taskId\":\"([0-9a-f-]+)\"").matcher(response.body());
        assertThat(taskId.find()).as("taskId in %s", response.body()).isTrue();
        assertThat(response.body()).startsWith("{\"node\":\"customer.test\",\"taskId\"");
        TaskExecutionDetails details = taskManager.await(TaskId.fromString(taskId.group(1)), Duration.ofSeconds(10));
        assertThat(details.getStatus()).isEqualTo(TaskManager.Status.COMPLETED);
        assertThat(details.getAdditionalInformation()).hasValueSatisfying(information ->
            assertThat(((NodeReleaseTask.Details) information).counted()).contains(5L));
    }

    @Test
    void aLongReadIsJoinedAnswered202AndItsFiguresServedOnceToTheGetThatComesBack() throws Exception {
        CountDownLatch slow = new CountDownLatch(1);
        AtomicInteger reads = new AtomicInteger();
        restartWith(node -> {
            reads.incrementAndGet();
            slow.await();
            return List.of(new SourceFigures(SourceFigures.Kind.QUEUE, "outgoing", 7, 700, Optional.empty(), Optional.empty(), false));
        });

        HttpResponse<String> first = get("/etrn/customer.test");
        HttpResponse<String> second = get("/etrn/customer.test");

        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(first.body()).isEqualTo("{\"node\":\"customer.test\",\"reading\":true}");
        assertThat(first.headers().firstValue("Retry-After")).contains("1");
        assertThat(second.statusCode()).isEqualTo(202);
        assertThat(reads).as("the second GET joined the read in flight").hasValue(1);

        clock.forward(Duration.ofSeconds(5));
        slow.countDown();
        AtomicReference<HttpResponse<String>> kept = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            kept.set(get("/etrn/customer.test"));
            return kept.get().statusCode() == 200;
        });
        assertThat(kept.get().body()).startsWith("{\"node\":\"customer.test\",\"mails\":7,\"bytes\":700,"
            + "\"readAt\":\"" + clock.instant() + "\",");
        assertThat(reads).hasValue(1);

        HttpResponse<String> next = get("/etrn/customer.test");
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(next.body()).as("kept figures are served once: read again").doesNotContain("readAt");
        assertThat(reads).hasValue(2);
    }

    @Test
    void aReadWithinTheWaitIsNotKept() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        restartWith(node -> {
            reads.incrementAndGet();
            return List.of();
        });

        assertThat(get("/etrn/customer.test").body()).doesNotContain("readAt");
        assertThat(get("/etrn/customer.test").body()).doesNotContain("readAt");
        assertThat(reads).hasValue(2);
    }

    @Test
    void aGetBeyondTheReadsAtOnceIs503() throws Exception {
        CountDownLatch slow = new CountDownLatch(1);
        restartWith(node -> {
            slow.await();
            return List.of();
        });
        try {
            for (int i = 0; i < FiguresReads.MAX_READS; i++) {
                assertThat(get("/etrn/node" + i + ".test").statusCode()).isEqualTo(202);
            }

            HttpResponse<String> refused = get("/etrn/one-more.test");

            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains(FiguresReads.MAX_READS + " other nodes are being read, try later");
        } finally {
            slow.countDown();
        }
    }

    private void restartWith(DeferredMailInventory other) {
        server.destroy();
        EtrnRoutes routes = new EtrnRoutes(release, other, policy, taskManager, new JsonTransformer(),
            Duration.ofMillis(200), Duration.ofMillis(200), clock);
        server = new TestWebAdminServer(ImmutableList.of(routes)).start();
    }

    private List<String> lines() {
        return lines.list.stream()
            .map(event -> event.getLevel() + " " + event.getFormattedMessage())
            .collect(Collectors.toList());
    }

    private HttpResponse<String> get(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.getPort().getValue() + path);
        return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.getPort().getValue() + path);
        return http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    /** James's WebAdmin server as Guice builds it, without authentication: its constructor is protected. */
    private static final class TestWebAdminServer extends WebAdminServer {
        TestWebAdminServer(List<Routes> routes) {
            super(WebAdminConfiguration.TEST_CONFIGURATION, routes, new NoAuthenticationFilter(),
                new RecordingMetricFactory(), LoggingRequestFilter.create());
        }
    }
}
