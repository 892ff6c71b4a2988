package org.jamesetrn.route;

import static org.eclipse.jetty.http.HttpStatus.ACCEPTED_202;
import static org.eclipse.jetty.http.HttpStatus.BAD_REQUEST_400;
import static org.eclipse.jetty.http.HttpStatus.FORBIDDEN_403;
import static org.eclipse.jetty.http.HttpStatus.NOT_FOUND_404;
import static org.eclipse.jetty.http.HttpStatus.SERVICE_UNAVAILABLE_503;
import static org.eclipse.jetty.http.HttpStatus.TOO_MANY_REQUESTS_429;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
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
import org.jamesetrn.policy.AdminPolicy;
import org.jamesetrn.policy.PolicyUnavailableException;
import org.jamesetrn.release.CountWait;
import org.jamesetrn.release.DeferredMailInventory;
import org.jamesetrn.release.DeferredMailRelease;
import org.jamesetrn.release.ReleaseResult;
import org.jamesetrn.release.UnknownQueueException;
import org.jamesetrn.task.NodeReleaseTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.net.InetAddresses;

import spark.HaltException;
import spark.Request;
import spark.Response;
import spark.Service;

/**
 * The operator's ETRN (Postfix {@code postqueue -s site}, Sendmail {@code -qR}): {@code POST /etrn/{node}} starts the
 * release of a node's deferred mail through the same {@link DeferredMailRelease} as the SMTP command, the node
 * written in the ETRN grammar ({@code customer.test}, {@code @customer.test}, {@code #outgoing}, URL-encoded: a
 * {@code #} must be sent as {@code %23}). It answers the count (200) once the release is over, its probe's outcome
 * known; a release still running when the route stops waiting (its count not known within {@value #COUNT_SECONDS} s,
 * or its end not within {@value #COUNT_SECONDS} s more: a stalled site) is followed by a James Task (202 with its
 * {@code taskId}, see {@code /tasks/{taskId}}). {@code GET /etrn/{node}} shows what waits for the node, per source,
 * read off WebAdmin's threads ({@link FiguresReads}).
 *
 * <p>The release follows the ETRN command's policy where it holds whoever asks ({@link AdminPolicy}, published by the
 * ETRN handler): a node the handler does not serve, or that holds a local domain, answers 403 with the reason unless
 * the request says {@code ?force=true} (then logged as forced); each caller (the request's client address) has the
 * handler's rate limit (429 beyond it). WebAdmin itself must stay on loopback or behind James's JWT authentication.</p>
 *
 * <p>Loaded by James's WebAdmin from {@code extensions.routes} in conf/webadmin.properties; the engine comes from
 * {@code EtrnModule} in conf/extensions.properties.</p>
 */
public class EtrnRoutes implements Routes {
    public static final String BASE_PATH = "/etrn";
    static final String FORCE = "force";
    /**
     * Long enough for a scan of a large queue and a probe's delivery, short enough for an HTTP client; the release goes
     * on past it (followed by a task).
     */
    static final int COUNT_SECONDS = 30;
    static final Duration COUNT_TIMEOUT = Duration.ofSeconds(COUNT_SECONDS);
    /** How long a GET waits for the node's figures: past it, 202 and the read goes on. */
    static final Duration FIGURES_WAIT = Duration.ofSeconds(10);
    /** How long the figures of a read that outlived its GET are kept for the GET that comes back. */
    static final Duration FIGURES_KEPT = Duration.ofMinutes(5);

    private static final Logger LOGGER = LoggerFactory.getLogger(EtrnRoutes.class);

    private final DeferredMailRelease engine;
    private final CountWait release;
    private final FiguresReads figures;
    private final AdminPolicy policy;
    private final TaskManager taskManager;
    private final JsonTransformer jsonTransformer;
    private final Duration endTimeout;
    private final Clock clock;

    @Inject
    public EtrnRoutes(DeferredMailRelease release, DeferredMailInventory inventory, AdminPolicy policy,
                      TaskManager taskManager, JsonTransformer jsonTransformer) {
        this(release, inventory, policy, taskManager, jsonTransformer, COUNT_TIMEOUT, FIGURES_WAIT, Clock.systemUTC());
    }

    EtrnRoutes(DeferredMailRelease release, DeferredMailInventory inventory, AdminPolicy policy, TaskManager taskManager,
               JsonTransformer jsonTransformer, Duration countTimeout, Duration figuresWait, Clock clock) {
        this.engine = release;
        this.release = new CountWait(release, countTimeout);
        this.figures = new FiguresReads(inventory, figuresWait, FIGURES_KEPT, clock);
        this.policy = policy;
        this.taskManager = taskManager;
        this.jsonTransformer = jsonTransformer;
        this.endTimeout = countTimeout;
        this.clock = clock;
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
        boolean force = force(request);
        InetAddress caller = caller(request);
        if (!policy.tryAcquire(caller)) {
            LOGGER.info("WebAdmin ETRN node {}: too many releases from {}", node, request.ip());
            throw ErrorResponder.builder()
                .statusCode(TOO_MANY_REQUESTS_429)
                .type(ErrorType.WRONG_STATE)
                .message("Too many ETRN releases from %s, try later (the ETRN handler's rateLimit in smtpserver.xml)",
                    request.ip())
                .haltError();
        }
        Optional<String> refusal = refusal(node);
        if (refusal.isPresent() && !force) {
            LOGGER.info("WebAdmin ETRN node {}: refused, {}", node, refusal.get());
            throw ErrorResponder.builder()
                .statusCode(FORBIDDEN_403)
                .type(ErrorType.INVALID_ARGUMENT)
                .message("Node %s not released: %s (the ETRN policy of smtpserver.xml); add ?force=true to release it anyway",
                    node.asString(), refusal.get())
                .haltError();
        }
        String forced = refusal.map(reason -> " (forced past the ETRN policy: " + reason + ")").orElse("");
        ReleaseResult result = release.release(node);
        switch (result.status()) {
            case STARTED:
                if (result.finishedWithin(endTimeout)) {
                    LOGGER.info("WebAdmin ETRN node {}{}: released {} deferred mails", node, forced, result.count().orElseThrow());
                    return NodeReleaseDTO.of(node, result.count(), Optional.empty());
                }
                return followedByTask(node, forced, result, response);
            case PENDING:
                // The count itself is not known yet: the release goes on, a task follows it to its end.
                return followedByTask(node, forced, result, response);
            case UNKNOWN_QUEUE:
                LOGGER.info("WebAdmin ETRN node {}{}: queue not served", node, forced);
                throw queueNotServed(node);
            default:
                LOGGER.info("WebAdmin ETRN node {}{}: release failed", node, forced);
                throw ErrorResponder.builder()
                    .statusCode(SERVICE_UNAVAILABLE_503)
                    .type(ErrorType.SERVER_ERROR)
                    .message("Unable to release node %s, try later", node.asString())
                    .haltError();
        }
    }

    /** 202: still running (its count, its probe, its dispatching): a task joins the release and follows it to its end. */
    private NodeReleaseDTO followedByTask(Node node, String forced, ReleaseResult result, Response response) {
        TaskId taskId = taskManager.submit(new NodeReleaseTask(node, engine));
        LOGGER.info("WebAdmin ETRN node {}{}: started, {} deferred mails, followed by task {}", node, forced,
            result.count().map(String::valueOf).orElse("an unknown number of"), taskId.asString());
        response.status(ACCEPTED_202);
        return NodeReleaseDTO.of(node, result.count(), Optional.of(taskId));
    }

    private Optional<String> refusal(Node node) {
        try {
            return policy.refusal(node);
        } catch (PolicyUnavailableException e) {
            LOGGER.warn("WebAdmin ETRN node {}: cannot apply the ETRN policy", node, e);
            throw ErrorResponder.builder()
                .statusCode(SERVICE_UNAVAILABLE_503)
                .type(ErrorType.SERVER_ERROR)
                .message("Unable to apply the ETRN policy to node %s (%s), try later", node.asString(), e.getMessage())
                .haltError();
        }
    }

    private Object figures(Request request, Response response) {
        Node node = parse(request.params("node"));
        try {
            Optional<FiguresReads.Figures> read = figures.figures(node);
            if (read.isEmpty()) {
                response.status(ACCEPTED_202);
                response.header("Retry-After", String.valueOf(Math.max(1, figures.waitLimit().toSeconds())));
                return NodeFiguresReadingDTO.of(node);
            }
            return NodeFiguresDTO.of(node, read.get().sources(), read.get().readEarlier(), clock.instant());
        } catch (UnknownQueueException e) {
            throw queueNotServed(node);
        } catch (FiguresReads.TooManyReads e) {
            throw ErrorResponder.builder()
                .statusCode(SERVICE_UNAVAILABLE_503)
                .type(ErrorType.SERVER_ERROR)
                .message("%d other nodes are being read, try later", FiguresReads.MAX_READS)
                .haltError();
        } catch (Exception e) {
            LOGGER.warn("WebAdmin ETRN: cannot read what waits for node {}", node, e);
            throw ErrorResponder.builder()
                .statusCode(SERVICE_UNAVAILABLE_503)
                .type(ErrorType.SERVER_ERROR)
                .message("Unable to read what waits for node %s, try later", node.asString())
                .haltError();
        }
    }

    private static boolean force(Request request) {
        String value = request.queryParams(FORCE);
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw ErrorResponder.builder()
            .statusCode(BAD_REQUEST_400)
            .type(ErrorType.INVALID_ARGUMENT)
            .message("force is true or false")
            .haltError();
    }

    /** The request's client address (a literal from Jetty); null, unlimited, only if Jetty gave none. */
    private static InetAddress caller(Request request) {
        String ip = request.ip();
        return ip != null && InetAddresses.isInetAddress(ip) ? InetAddresses.forString(ip) : null;
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
