package org.jamesetrn.route;

import java.util.Optional;

import org.jamesetrn.node.Node;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The answer of {@code POST /etrn/{node}}: {@code {"node":"@customer.test","released":3}}, the node as written in
 * ETRN and the number of deferred mails whose delivery was started; no {@code released} while the count is not known.
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public class NodeReleaseDTO {
    static NodeReleaseDTO released(Node node, long count) {
        return new NodeReleaseDTO(node.asString(), Optional.of(count));
    }

    static NodeReleaseDTO pending(Node node) {
        return new NodeReleaseDTO(node.asString(), Optional.empty());
    }

    private final String node;
    private final Optional<Long> released;

    private NodeReleaseDTO(String node, Optional<Long> released) {
        this.node = node;
        this.released = released;
    }

    public String getNode() {
        return node;
    }

    public Optional<Long> getReleased() {
        return released;
    }
}
