package org.jamesetrn.client;

import java.util.List;

import org.jamesetrn.node.Node;

/** One session with a relay that asks for these nodes: one result per node, in order. Never throws. */
interface RelaySession {
    List<RequestResult> ask(UpstreamRelay relay, List<Node> nodes);
}
