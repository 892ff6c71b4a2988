package org.jamesetrn.protocol;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.apache.james.core.Domain;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.domainlist.api.DomainListException;
import org.jamesetrn.node.Node;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;

/**
 * Who may ask ETRN for which node. Checks, in this order: the client is authorized (first, so that a refused client
 * learns nothing about the nodes); the node holds none of James's own domains, listed or not (their mail is delivered
 * locally, never deferred for a remote site, and the reply says so); the node is served (listed in {@code <nodes>}, or
 * its queue in {@code <queues>}); every per-node rule touching the node admits the client.
 */
final class EtrnPolicy {
    static final String CLIENT_NOT_AUTHORIZED = "client not authorized";
    static final String NODE_NOT_SERVED = "node not served by this server";
    static final String QUEUE_NOT_SERVED = "queue not served by this server";
    static final String LOCAL_DOMAIN = "local domain";
    static final String RULE_REFUSED = "client not authorized for this node";

    private final ClientAuthorization clients;
    private final List<Node> servedNodes;
    private final Set<String> servedQueues;
    private final List<NodeRule> rules;
    private final DomainList localDomains;

    EtrnPolicy(ClientAuthorization clients, List<Node> servedNodes, Set<String> servedQueues,
               List<NodeRule> rules, DomainList localDomains) {
        this.clients = clients;
        this.servedNodes = ImmutableList.copyOf(servedNodes);
        this.servedQueues = ImmutableSet.copyOf(servedQueues);
        this.rules = ImmutableList.copyOf(rules);
        this.localDomains = localDomains;
    }

    PolicyDecision decide(Requester client, Node node) throws DomainListException {
        if (!clients.isAuthorized(client)) {
            return PolicyDecision.refused(CLIENT_NOT_AUTHORIZED);
        }
        Optional<String> nodeRefusal = nodeRefusal(node);
        if (nodeRefusal.isPresent()) {
            return PolicyDecision.refused(nodeRefusal.get());
        }
        boolean ruleRefuses = rules.stream().anyMatch(rule -> rule.applies(node) && !rule.admits(client));
        return ruleRefuses ? PolicyDecision.refused(RULE_REFUSED) : PolicyDecision.allowed();
    }

    /**
     * The rules that hold whoever asks: a queue must be served, a domain node must hold no local domain and be
     * served. Also what the administrator's release follows ({@link HandlerAdminPolicy}).
     */
    Optional<String> nodeRefusal(Node node) throws DomainListException {
        if (node.kind() == Node.Kind.QUEUE) {
            return servedQueues.contains(node.name()) ? Optional.empty() : Optional.of(QUEUE_NOT_SERVED);
        }
        if (holdsLocalDomain(node)) {
            return Optional.of(LOCAL_DOMAIN);
        }
        if (servedNodes.stream().noneMatch(served -> served.includes(node))) {
            return Optional.of(NODE_NOT_SERVED);
        }
        return Optional.empty();
    }

    private boolean holdsLocalDomain(Node node) throws DomainListException {
        if (localDomains.containsDomain(Domain.of(node.name()))) {
            return true;
        }
        if (node.kind() == Node.Kind.DOMAIN_AND_SUBDOMAINS) {
            return localDomains.getDomains().stream().anyMatch(node::covers);
        }
        return false;
    }
}
