package org.jamesetrn.route;

import static org.eclipse.jetty.http.HttpStatus.ACCEPTED_202;
import static org.eclipse.jetty.http.HttpStatus.BAD_REQUEST_400;
import static org.eclipse.jetty.http.HttpStatus.NOT_FOUND_404;
import static org.eclipse.jetty.http.HttpStatus.SERVICE_UNAVAILABLE_503;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import javax.inject.Inject;

import org.apache.james.task.TaskId;
import org.apache.james.task.TaskManager;
import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.apache.james.webadmin.utils.ErrorResponder.ErrorType;
import org.apache.james.webadmin.utils.JsonTransformer;
import org.jamesetrn.node.InvalidNodeException;
import org.jamesetrn.node.Node;
import org.jamesetrn.node.NodeSyntax;
import org.jamesetrn.release.CountWait;
import org.jamesetrn.release.DeferredMailInventory;
import org.jamesetrn.release.DeferredMailRelease;
import org.jamesetrn.release.ReleaseResult;
import org.jamesetrn.release.UnknownQueueException;
import org.jamesetrn.task.NodeReleaseTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import spark.HaltException;
import spark.Request;
import spark.Response;
import spark.Service;

/**
 * The operator's ETRN (Postfix {@code postqueue -s site}, Sendmail {@code -qR}): {@code POST /etrn/{node}} starts the
 * release of a node's deferred mail through the same {@link DeferredMailRelease} as the SMTP command, the node
 * written in the ETRN grammar ({@code customer.test}, {@code @customer.test}, {@code #outgoing}, URL-encoded: a
 * {@code #} must be sent as {@code %23}). It answers the count (200) once the release is over, its probe's outcome
 * known; a release still running after {@value #COUNT_SECONDS} s (a stalled site) is followed by a James Task (202 with
 * its {@code taskId}, see {@code /tasks/{taskId}}). {@code GET /etrn/{node}} shows what waits for the node, per source.
 *
 * <p>No ETRN policy here (clients, nodes, queues, rate limit): WebAdmin is the administrator's own interface, which
 * must stay on loopback or behind James's JWT authentication. The engine still serves only its configured queues.</p>
 *
 * <p>Loaded by James's WebAdmin from {@code extensions.routes} in conf/webadmin.properties; the engine comes from
 * {@code EtrnModule} in conf/extensions.properties.</p>
 */
public class EtrnRoutes implements Routes {
    public static final String BASE_PATH = "/etrn";
    /**
     * Long enough for a scan of a large queue and a probe's delivery, short enough for an HTTP client; the release goes
     * on past it (followed by a task).
     */
    static final int COUNT_SECONDS = 30;
    static final Duration COUNT_TIMEOUT = Duration.ofSeconds(COUNT_SECONDS);

    private static final Logger LOGGER = LoggerFactory.getLogger(EtrnRoutes.class);

    private final DeferredMailRelease engine;
    private final CountWait release;
    private final DeferredMailInventory inventory;
    private final TaskManager taskManager;
    private final JsonTransformer jsonTransformer;
    private final Duration endTimeout;

    @Inject
    public EtrnRoutes(DeferredMailRelease release, DeferredMailInventory inventory, TaskManager taskManager,
                      JsonTransformer jsonTransformer) {
        this(release, inventory, taskManager, jsonTransformer, COUNT_TIMEOUT);
    }

    EtrnRoutes(DeferredMailRelease release, DeferredMailInventory inventory, TaskManager taskManager,
               JsonTransformer jsonTransformer, Duration countTimeout) {
        this.engine = release;
        this.release = new CountWait(release, countTimeout);
        this.inventory = inventory;
        this.taskManager = taskManager;
        this.jsonTransformer = jsonTransformer;
        this.endTimeout = countTimeout;
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    @Override
    public void define(Service service) {
        service.post(BASE_PATH + "/:node", this::release, jsonTransformer);
        service.get(BASE_PATH + "/:node", this::figures, jsonTransformer);
        service.post(BASE_PATH, (request, response) -> {
            throw invalidNode(new InvalidNodeException("a node is required: POST /etrn/{node}"));
        });
    }

    private NodeReleaseDTO release(Request request, Response response) {
        Node node = parse(request.params("node"));
        ReleaseResult result = release.release(node);
        switch (result.status()) {
            case STARTED:
            case PENDING:
                if (result.finishedWithin(endTimeout)) {
                    LOGGER.info("WebAdmin ETRN node {}: released {} deferred mails", node, result.count().orElseThrow());
                    return NodeReleaseDTO.of(node, result.count(), Optional.empty());
                }
                // 202: still running (its probe, its dispatching): a task follows it to its end.
                TaskId taskId = taskManager.submit(new NodeReleaseTask(node, engine));
                LOGGER.info("WebAdmin ETRN node {}: started, {} deferred mails, followed by task {}", node,
                    result.count().map(String::valueOf).orElse("an unknown number of"), taskId.asString());
                response.status(ACCEPTED_202);
                return NodeReleaseDTO.of(node, result.count(), Optional.of(taskId));
            case UNKNOWN_QUEUE:
                LOGGER.info("WebAdmin ETRN node {}: queue not served", node);
                throw queueNotServed(node);
            default:
                throw ErrorResponder.builder()
                    .statusCode(SERVICE_UNAVAILABLE_503)
                    .type(ErrorType.SERVER_ERROR)
                    .message("Unable to release node %s, try later", node.asString())
                    .haltError();
        }
    }

    private NodeFiguresDTO figures(Request request, Response response) {
        Node node = parse(request.params("node"));
        try {
            return NodeFiguresDTO.of(node, inventory.waiting(node), Instant.now());
        } catch (UnknownQueueException e) {
            throw queueNotServed(node);
        } catch (Exception e) {
            LOGGER.warn("WebAdmin ETRN: cannot read what waits for node {}", node, e);
            throw ErrorResponder.builder()
                .statusCode(SERVICE_UNAVAILABLE_503)
                .type(ErrorType.SERVER_ERROR)
                .message("Unable to read what waits for node %s, try later", node.asString())
                .haltError();
        }
    }

    private static HaltException queueNotServed(Node node) {
        return ErrorResponder.builder()
            .statusCode(NOT_FOUND_404)
            .type(ErrorType.NOT_FOUND)
            .message("Queue %s is not served by ETRN (release.queues of conf/etrn.properties)", node.name())
            .haltError();
    }

    private static Node parse(String argument) {
        try {
            return NodeSyntax.parse(argument);
        } catch (InvalidNodeException e) {
            throw invalidNode(e);
        }
    }

    /** The reason never echoes the input (see {@link InvalidNodeException}). */
    private static HaltException invalidNode(InvalidNodeException e) {
        LOGGER.info("WebAdmin ETRN node <invalid>: {}", e.getMessage());
        return ErrorResponder.builder()
            .statusCode(BAD_REQUEST_400)
            .type(ErrorType.INVALID_ARGUMENT)
            .message("Invalid ETRN node: %s", e.getMessage())
            .haltError();
    }
}
