package org.jamesetrn.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
import org.jamesetrn.release.DeferredMailInventory;
import org.jamesetrn.release.RecordingRelease;
import org.jamesetrn.release.ReleaseException;
import org.jamesetrn.release.SourceFigures;
import org.jamesetrn.release.UnknownQueueException;
import org.jamesetrn.task.NodeReleaseTask;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.google.common.collect.ImmutableList;

/** The route on James's own WebAdmin server (random loopback port), with a scripted release engine. */
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

    private final HttpClient http = HttpClient.newHttpClient();
    private WebAdminServer server;

    @BeforeEach
    void start() {
        EtrnRoutes routes = new EtrnRoutes(release, inventory, taskManager, new JsonTransformer(), Duration.ofMillis(200));
        server = new TestWebAdminServer(ImmutableList.of(routes)).start();
    }

    @AfterEach
    void stop() {
        server.destroy();
        taskManager.stop();
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

        HttpResponse<String> response = post("/etrn/%23nosuch");

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
        Instant held = Instant.now().minusSeconds(120);
        waiting = List.of(
            new SourceFigures(SourceFigures.Kind.HOLD, "file://var/mail/etrn-hold/customer.test", 2, 300,
                Optional.of(held), Optional.of(held.plus(Duration.ofDays(5))), false),
            new SourceFigures(SourceFigures.Kind.QUEUE, "outgoing", 1, 100, Optional.of(Instant.now()), Optional.empty(), false));

        HttpResponse<String> response = get("/etrn/customer.test");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
            .contains("\"node\":\"customer.test\",\"mails\":3,\"bytes\":400,")
            .containsPattern("\"oldestAgeSeconds\":12[01],")
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
