package org.jamesetrn.policy;

import java.net.InetAddress;
import java.util.Optional;

import org.jamesetrn.node.Node;

/**
 * The ETRN command's policy as the administrator's release ({@code POST /etrn/{node}} on WebAdmin) follows it: the
 * node rules that hold whoever asks (the nodes and queues the handler serves, James's local domains) and a rate
 * limit per caller. The client rules (allowed clients, per-node networks and users) stay SMTP's: WebAdmin's caller is
 * the administrator.
 *
 * <p>Why an interface here: the policy is read by the ETRN handler (etrn-protocol) from its {@code <handler>} element
 * when James's SMTP server starts, and the route lives in etrn-mailet, which must not depend on etrn-protocol. The
 * handler publishes its policy in {@link HandlerPolicies}; the route reads it through this interface.</p>
 */
public interface AdminPolicy {
    /**
     * Why ETRN refuses this node to every client: not listed in {@code <nodes>} (or its queue in {@code <queues>}), or
     * it holds one of James's local domains. Empty when the node is served.
     *
     * @throws PolicyUnavailableException when the policy cannot be decided now (the local domains cannot be read)
     */
    Optional<String> refusal(Node node) throws PolicyUnavailableException;

    /** Takes one request of this caller from its rate limit: false when the caller has none left. */
    boolean tryAcquire(InetAddress caller);
}
