package org.jamesetrn.task;

import org.apache.james.json.DTOModule;
import org.apache.james.server.task.json.dto.TaskDTO;
import org.apache.james.server.task.json.dto.TaskDTOModule;
import org.jamesetrn.node.InvalidNodeException;
import org.jamesetrn.node.NodeSyntax;
import org.jamesetrn.release.DeferredMailRelease;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The task as a task manager that serializes tasks (James's distributed one) stores it: the node, in ETRN syntax. */
public class NodeReleaseTaskDTO implements TaskDTO {
    public static TaskDTOModule<NodeReleaseTask, NodeReleaseTaskDTO> module(DeferredMailRelease release) {
        return DTOModule.forDomainObject(NodeReleaseTask.class)
            .convertToDTO(NodeReleaseTaskDTO.class)
            .toDomainObjectConverter(dto -> new NodeReleaseTask(dto.parsedNode(), release))
            .toDTOConverter((task, type) -> new NodeReleaseTaskDTO(type, task.node().asString()))
            .typeName(NodeReleaseTask.TYPE.asString())
            .withFactory(TaskDTOModule::new);
    }

    private final String type;
    private final String node;

    public NodeReleaseTaskDTO(@JsonProperty("type") String type, @JsonProperty("node") String node) {
        this.type = type;
        this.node = node;
    }

    @Override
    public String getType() {
        return type;
    }

    public String getNode() {
        return node;
    }

    private org.jamesetrn.node.Node parsedNode() {
        try {
            return NodeSyntax.parse(node);
        } catch (InvalidNodeException e) {
            throw new IllegalArgumentException("stored ETRN task with an invalid node: " + e.getMessage(), e);
        }
    }
}
