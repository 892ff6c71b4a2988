package org.jamesetrn.task;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

import org.apache.james.task.Task;
import org.apache.james.task.TaskExecutionDetails;
import org.apache.james.task.TaskType;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.DeferredMailRelease;
import org.jamesetrn.release.Release;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's release followed to its end, as a James Task ({@code /tasks/{id}}): {@code POST /etrn/{node}} submits one
 * when the release is still running as it answers (its probe in flight, dispatching under way). Running the task
 * joins that release (or starts one, if it ended meanwhile) and waits for its end: the count, then the mails handed
 * to delivery. The task manager runs one task at a time, so a probe the site stalls keeps the next admin task waiting
 * up to {@code release.probe.timeout}.
 */
public class NodeReleaseTask implements Task {
    public static final TaskType TYPE = TaskType.of("etrn-node-release");
    private static final Logger LOGGER = LoggerFactory.getLogger(NodeReleaseTask.class);

    /** What {@code /tasks/{id}} shows: the node, the count, the mails handed to delivery once the release ended. */
    public static final class Details implements TaskExecutionDetails.AdditionalInformation {
        private final Node node;
        private final Optional<Long> counted;
        private final Optional<Long> dispatched;
        private final Instant timestamp;

        public Details(Node node, Optional<Long> counted, Optional<Long> dispatched, Instant timestamp) {
            this.node = node;
            this.counted = counted;
            this.dispatched = dispatched;
            this.timestamp = timestamp;
        }

        public Node node() {
            return node;
        }

        public Optional<Long> counted() {
            return counted;
        }

        public Optional<Long> dispatched() {
            return dispatched;
        }

        @Override
        public Instant timestamp() {
            return timestamp;
        }
    }

    private final Node node;
    private final DeferredMailRelease release;
    private final Clock clock;
    private volatile Optional<Long> counted = Optional.empty();
    private volatile Optional<Long> dispatched = Optional.empty();

    public NodeReleaseTask(Node node, DeferredMailRelease release) {
        this(node, release, Clock.systemUTC());
    }

    NodeReleaseTask(Node node, DeferredMailRelease release, Clock clock) {
        this.node = node;
        this.release = release;
        this.clock = clock;
    }

    public Node node() {
        return node;
    }

    @Override
    public Result run() {
        Release running = release.release(node);
        try {
            counted = Optional.of(running.counted().get());
            dispatched = Optional.of(running.dispatched().get());
            return Result.COMPLETED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.PARTIAL;
        } catch (ExecutionException e) {
            LOGGER.warn("Release of node {} failed", node, e.getCause());
            return Result.PARTIAL;
        }
    }

    @Override
    public TaskType type() {
        return TYPE;
    }

    @Override
    public Optional<TaskExecutionDetails.AdditionalInformation> details() {
        return Optional.of(new Details(node, counted, dispatched, clock.instant()));
    }
}
