package org.jamesetrn.release;

import java.util.List;

import org.jamesetrn.node.Node;

/** A kind of place where deferred mail waits (queues, hold repositories), asked for the sources of a node. */
public interface DeferredMailSources {
    /**
     * Whether the node's mail may be here at all: true for domain nodes; for a {@code #queue} node, whether that queue
     * is one this kind serves (a {@code #queue} that no kind serves is refused, {@link UnknownQueueException}).
     */
    boolean serves(Node node);

    /** The sources that may hold the node's mail now (empty, for instance, for a served queue not yet created). */
    List<DeferredMailSource> sourcesFor(Node node) throws Exception;
}
