package org.jamesetrn.release;

import org.jamesetrn.node.Node;

/**
 * The one interface between the ETRN command and the places where mail waits: release a node, i.e. start
 * delivering, now, the deferred mail held for it (RFC 1985: "force its retry queues to start sending messages to
 * that remote site").
 *
 * <p>Used by the SMTP handler and the WebAdmin route; mailets and tasks may use it too.</p>
 */
public interface DeferredMailRelease {
    /**
     * Starts the release of the deferred mail held for {@code node} and returns at once. A request for a node whose
     * release is under way joins it. A mail is never lost or duplicated, whatever the outcome.
     */
    Release release(Node node);
}
