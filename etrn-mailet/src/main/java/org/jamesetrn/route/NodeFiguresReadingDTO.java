package org.jamesetrn.route;

import org.jamesetrn.node.Node;

/**
 * The answer of {@code GET /etrn/{node}} (202) when reading the node's figures takes longer than the route waits:
 * {@code {"node":"@customer.test","reading":true}}; the read goes on, and the next GET gets its figures.
 */
public class NodeFiguresReadingDTO {
    static NodeFiguresReadingDTO of(Node node) {
        return new NodeFiguresReadingDTO(node.asString());
    }

    private final String node;

    private NodeFiguresReadingDTO(String node) {
        this.node = node;
    }

    public String getNode() {
        return node;
    }

    public boolean isReading() {
        return true;
    }
}
