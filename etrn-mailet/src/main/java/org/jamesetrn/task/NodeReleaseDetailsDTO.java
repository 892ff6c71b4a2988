package org.jamesetrn.task;

import java.time.Instant;
import java.util.Optional;

import org.apache.james.json.DTOModule;
import org.apache.james.server.task.json.dto.AdditionalInformationDTO;
import org.apache.james.server.task.json.dto.AdditionalInformationDTOModule;
import org.jamesetrn.node.InvalidNodeException;
import org.jamesetrn.node.NodeSyntax;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code /tasks/{id}}'s additional information: {@code {"node":"held.test","counted":3,"dispatched":3,...}}. */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public class NodeReleaseDetailsDTO implements AdditionalInformationDTO {
    public static AdditionalInformationDTOModule<NodeReleaseTask.Details, NodeReleaseDetailsDTO> module() {
        return DTOModule.forDomainObject(NodeReleaseTask.Details.class)
            .convertToDTO(NodeReleaseDetailsDTO.class)
            .toDomainObjectConverter(dto -> new NodeReleaseTask.Details(parse(dto.node), dto.counted, dto.dispatched, dto.timestamp))
            .toDTOConverter((details, type) -> new NodeReleaseDetailsDTO(type, details.node().asString(), details.counted(),
                details.dispatched(), details.timestamp()))
            .typeName(NodeReleaseTask.TYPE.asString())
            .withFactory(AdditionalInformationDTOModule::new);
    }

    private static org.jamesetrn.node.Node parse(String node) {
        try {
            return NodeSyntax.parse(node);
        } catch (InvalidNodeException e) {
            throw new IllegalArgumentException("stored ETRN task details with an invalid node: " + e.getMessage(), e);
        }
    }

    private final String type;
    private final String node;
    private final Optional<Long> counted;
    private final Optional<Long> dispatched;
    private final Instant timestamp;

    public NodeReleaseDetailsDTO(@JsonProperty("type") String type, @JsonProperty("node") String node,
                                 @JsonProperty("counted") Optional<Long> counted,
                                 @JsonProperty("dispatched") Optional<Long> dispatched,
                                 @JsonProperty("timestamp") Instant timestamp) {
        this.type = type;
        this.node = node;
        this.counted = counted;
        this.dispatched = dispatched;
        this.timestamp = timestamp;
    }

    @Override
    public String getType() {
        return type;
    }

    public String getNode() {
        return node;
    }

    public Optional<Long> getCounted() {
        return counted;
    }

    public Optional<Long> getDispatched() {
        return dispatched;
    }

    @Override
    public Instant getTimestamp() {
        return timestamp;
    }
}
