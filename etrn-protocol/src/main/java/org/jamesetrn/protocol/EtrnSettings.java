package org.jamesetrn.protocol;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.HierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.commons.configuration2.tree.ImmutableNode;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.dnsservice.library.netmatcher.NetMatcher;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.util.DurationParser;
import org.jamesetrn.node.InvalidNodeException;
import org.jamesetrn.node.Node;
import org.jamesetrn.node.NodeSyntax;

import com.google.common.base.Splitter;
import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;

/**
 * Reads the ETRN {@code <handler>} element of smtpserver.xml. Every option, its default and why, is shown in
 * conf/smtpserver.xml and docs/etrn.md ("Options"). Defaults are secure: no node and no queue is served until listed.
 */
final class EtrnSettings {
    static final boolean DEFAULT_ALLOW_RELAYING_CLIENTS = true;
    static final boolean DEFAULT_ALLOW_AUTHENTICATED_USERS = true;
    static final ReplyMode DEFAULT_REPLIES = ReplyMode.DETAILED;
    static final int DEFAULT_RATE_PERMITS = 30;
    static final Duration DEFAULT_RATE_PERIOD = Duration.ofSeconds(60);
    static final Duration DEFAULT_REPLY_TIMEOUT = Duration.ofMillis(250);

    private static final Splitter LIST = Splitter.on(',').trimResults().omitEmptyStrings();

    private final Configuration config;
    private final DNSService dnsService;

    EtrnSettings(Configuration config, DNSService dnsService) {
        this.config = config;
        this.dnsService = dnsService;
    }

    EtrnPolicy policy(DomainList localDomains) throws ConfigurationException {
        ClientAuthorization clients = new ClientAuthorization(
            config.getBoolean("allowRelayingClients", DEFAULT_ALLOW_RELAYING_CLIENTS),
            config.getBoolean("allowAuthenticatedUsers", DEFAULT_ALLOW_AUTHENTICATED_USERS),
            networks(list(config, "allowedNetworks")));
        ImmutableList.Builder<Node> servedNodes = ImmutableList.builder();
        for (String written : list(config, "nodes")) {
            Node node = node(written, "nodes");
            if (node.kind() == Node.Kind.QUEUE) {
                throw new ConfigurationException("ETRN <nodes> lists domains; put queue names in <queues>: " + written);
            }
            servedNodes.add(node);
        }
        Set<String> queues = ImmutableSet.copyOf(list(config, "queues"));
        return new EtrnPolicy(clients, servedNodes.build(), queues, rules(), localDomains);
    }

    ReplyMode replies() throws ConfigurationException {
        String value = config.getString("replies", DEFAULT_REPLIES.name());
        try {
            return ReplyMode.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("ETRN <replies> is 'detailed' or 'private', not: " + value);
        }
    }

    ClientRateLimiter rateLimiter(Ticker ticker) throws ConfigurationException {
        int permits = config.getInt("rateLimit.permits", DEFAULT_RATE_PERMITS);
        Duration period = duration("rateLimit.period", DEFAULT_RATE_PERIOD);
        if (permits < 0 || period.isZero() || period.isNegative()) {
            throw new ConfigurationException("ETRN <rateLimit> needs permits >= 0 and a positive period");
        }
        return new ClientRateLimiter(permits, period, ticker);
    }

    Duration replyTimeout() throws ConfigurationException {
        Duration timeout = duration("replyTimeout", DEFAULT_REPLY_TIMEOUT);
        if (timeout.isNegative()) {
            throw new ConfigurationException("ETRN <replyTimeout> must not be negative");
        }
        return timeout;
    }

    private List<NodeRule> rules() throws ConfigurationException {
        if (!(config instanceof HierarchicalConfiguration)) {
            return ImmutableList.of();
        }
        @SuppressWarnings("unchecked")
        HierarchicalConfiguration<ImmutableNode> tree = (HierarchicalConfiguration<ImmutableNode>) config;
        ImmutableList.Builder<NodeRule> rules = ImmutableList.builder();
        for (HierarchicalConfiguration<ImmutableNode> rule : tree.configurationsAt("node")) {
            String name = rule.getString("[@name]", "");
            List<String> networks = list(rule, "networks");
            List<String> users = list(rule, "users");
            if (networks.isEmpty() && users.isEmpty()) {
                throw new ConfigurationException("ETRN <node name=\"" + name + "\"> needs <networks> or <users>");
            }
            rules.add(new NodeRule(node(name, "node name"), networks(networks), ImmutableSet.copyOf(users)));
        }
        return rules.build();
    }

    private Optional<NetMatcher> networks(List<String> networks) {
        return networks.isEmpty() ? Optional.empty() : Optional.of(new NetMatcher(networks, dnsService));
    }

    private Node node(String written, String option) throws ConfigurationException {
        try {
            return NodeSyntax.parse(written.trim());
        } catch (InvalidNodeException e) {
            throw new ConfigurationException("ETRN <" + option + ">: '" + written + "' is not a node: " + e.getMessage());
        }
    }

    private Duration duration(String key, Duration defaultValue) throws ConfigurationException {
        String value = config.getString(key, null);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            return DurationParser.parse(value.trim());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("ETRN <" + key + ">: not a duration (like 250ms, 60s): " + value);
        }
    }

    /** Comma separated values, whether or not the configuration already split them on commas. */
    private static List<String> list(Configuration config, String key) {
        return config.getList(String.class, key, ImmutableList.of()).stream()
            .flatMap(value -> LIST.splitToList(value).stream())
            .collect(ImmutableList.toImmutableList());
    }
}
