package org.jamesetrn.protocol;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.apache.james.dnsservice.library.netmatcher.NetMatcher;
import org.jamesetrn.node.Node;

import com.google.common.collect.ImmutableSet;

/**
 * A per-node rule ({@code <node name="@customer.test">}): a request touching that node must also come from one of
 * the rule's networks or users. A rule guards every request that would release some of its node's mail.
 */
final class NodeRule {
    private final Node node;
    private final Optional<NetMatcher> networks;
    private final Set<String> users;

    NodeRule(Node node, Optional<NetMatcher> networks, Set<String> users) {
        this.node = node;
        this.networks = networks;
        this.users = users.stream().map(NodeRule::normalize).collect(ImmutableSet.toImmutableSet());
    }

    /** A rule guards every request that would release some of its node's mail: {@code customer.test} guards {@code @test}. */
    boolean applies(Node requested) {
        return node.overlaps(requested);
    }

    boolean admits(Requester client) {
        boolean fromNetwork = client.address() != null
            && networks.map(matcher -> matcher.matchInetNetwork(client.address())).orElse(false);
        boolean asUser = client.user().map(user -> users.contains(normalize(user.asString()))).orElse(false);
        return fromNetwork || asUser;
    }

    private static String normalize(String user) {
        return user.trim().toLowerCase(Locale.US);
    }
}
