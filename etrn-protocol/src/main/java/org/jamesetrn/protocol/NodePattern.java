package org.jamesetrn.protocol;

import org.jamesetrn.release.InvalidNodeException;
import org.jamesetrn.release.Node;
import org.jamesetrn.release.NodeSyntax;

/**
 * A node written in the configuration (served nodes, per-node rules), in the ETRN syntax: {@code d} is exactly the
 * domain d, {@code @d} is d and all its subdomains, {@code #q} is the queue q. Compares requested nodes as the sets of
 * mail they release.
 */
final class NodePattern {
    static NodePattern parse(String written) throws InvalidNodeException {
        return new NodePattern(NodeSyntax.parse(written.trim()));
    }

    private final Node node;

    NodePattern(Node node) {
        this.node = node;
    }

    Node node() {
        return node;
    }

    /** Whether every mail {@code requested} would release is mail this pattern names (served-nodes allowlist). */
    boolean includes(Node requested) {
        switch (node.kind()) {
            case DOMAIN:
                return requested.kind() == Node.Kind.DOMAIN && requested.name().equals(node.name());
            case DOMAIN_AND_SUBDOMAINS:
                return requested.kind() != Node.Kind.QUEUE && isSameOrSubdomain(requested.name(), node.name());
            default:
                return requested.kind() == Node.Kind.QUEUE && requested.name().equals(node.name());
        }
    }

    /**
     * Whether {@code requested} would release some mail this pattern names (per-node rules): a rule on
     * {@code customer.test} also guards {@code ETRN @customer.test} and {@code ETRN @test}.
     */
    boolean overlaps(Node requested) {
        if ((node.kind() == Node.Kind.QUEUE) != (requested.kind() == Node.Kind.QUEUE)) {
            return false;
        }
        return includes(requested) || new NodePattern(requested).includes(node);
    }

    static boolean isSameOrSubdomain(String domain, String parent) {
        return domain.equals(parent) || domain.endsWith("." + parent);
    }

    @Override
    public String toString() {
        return node.asString();
    }
}
