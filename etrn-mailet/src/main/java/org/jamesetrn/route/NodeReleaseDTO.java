package org.jamesetrn.route;

import java.util.Optional;

import org.apache.james.task.TaskId;
import org.jamesetrn.node.Node;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The answer of {@code POST /etrn/{node}}: {@code {"node":"@customer.test","released":3}}, the node as written in
 * ETRN and the number of deferred mails whose delivery was started (absent while not known); with a {@code taskId}
 * when the release was still running at the answer, to follow in {@code /tasks/{taskId}}.
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public class NodeReleaseDTO {
    static NodeReleaseDTO of(Node node, Optional<Long> released, Optional<TaskId> taskId) {
        return new NodeReleaseDTO(node.asString(), released, taskId.map(TaskId::asString));
    }

    private final String node;
    private final Optional<Long> released;
    private final Optional<String> taskId;

    private NodeReleaseDTO(String node, Optional<Long> released, Optional<String> taskId) {
        this.node = node;
        this.released = released;
        this.taskId = taskId;
    }

    public String getNode() {
        return node;
    }

    public Optional<Long> getReleased() {
        return released;
    }

    public Optional<String> getTaskId() {
        return taskId;
    }
}
