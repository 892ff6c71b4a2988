package org.jamesetrn.release;

import java.util.List;

import org.jamesetrn.node.Node;

/** What waits for a node, per source, without moving anything: for {@code GET /etrn/{node}}. */
public interface DeferredMailInventory {
    /** @throws UnknownQueueException for a {@code #queue} no source serves */
    List<SourceFigures> waiting(Node node) throws Exception;
}
