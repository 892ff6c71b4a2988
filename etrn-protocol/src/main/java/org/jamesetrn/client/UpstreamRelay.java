package org.jamesetrn.client;

import java.util.List;
import java.util.Optional;

import org.jamesetrn.node.Node;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.net.HostAndPort;

/**
 * One relay (the provider's MX or backup MX holding this site's mail) and the nodes to ask it for, as listed in
 * {@code conf/etrn-client.properties}.
 */
final class UpstreamRelay {
    static UpstreamRelay of(String name, String host, int port, StartTls startTls, Optional<Credentials> credentials,
                            List<Node> nodes) {
        return of(name, RelayProtocol.ETRN, host, port, startTls, credentials, nodes, Optional.empty());
    }

    static UpstreamRelay of(String name, RelayProtocol protocol, String host, int port, StartTls startTls,
                            Optional<Credentials> credentials, List<Node> nodes, Optional<HostAndPort> deliverTo) {
        Preconditions.checkArgument(host != null && !host.isBlank(), "a relay needs a host");
        Preconditions.checkArgument(port > 0 && port < 65536, "port out of range: %s", port);
        Preconditions.checkArgument(!nodes.isEmpty(), "a relay needs at least one node to ask for");
        Preconditions.checkArgument(protocol == RelayProtocol.ETRN || credentials.isPresent(),
            "ODMR needs the customer's name and secret (AUTH CRAM-MD5)");
        Preconditions.checkArgument(protocol == RelayProtocol.ETRN
                || nodes.stream().allMatch(node -> node.kind() == Node.Kind.DOMAIN),
            "ATRN asks for domains, not @domains or #queues");
        return new UpstreamRelay(name, protocol, host, port, startTls, credentials, ImmutableList.copyOf(nodes), deliverTo);
    }

    private final String name;
    private final RelayProtocol protocol;
    private final String host;
    private final int port;
    private final StartTls startTls;
    private final Optional<Credentials> credentials;
    private final ImmutableList<Node> nodes;
    private final Optional<HostAndPort> deliverTo;

    private UpstreamRelay(String name, RelayProtocol protocol, String host, int port, StartTls startTls,
                          Optional<Credentials> credentials, ImmutableList<Node> nodes, Optional<HostAndPort> deliverTo) {
        this.name = name;
        this.protocol = protocol;
        this.deliverTo = deliverTo;
        this.host = host;
        this.port = port;
        this.startTls = startTls;
        this.credentials = credentials;
        this.nodes = nodes;
    }

    /** The name the configuration gives it ({@code relay.<name>.*}), used in logs, metrics and WebAdmin. */
    String name() {
        return name;
    }

    RelayProtocol protocol() {
        return protocol;
    }

    /** ODMR: where the turnaround's mail goes, when not this James's own SMTP server. */
    Optional<HostAndPort> deliverTo() {
        return deliverTo;
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    StartTls startTls() {
        return startTls;
    }

    Optional<Credentials> credentials() {
        return credentials;
    }

    /** In the order listed: one ETRN each, in that order, on one session; for ODMR, the domains of the one ATRN. */
    ImmutableList<Node> nodes() {
        return nodes;
    }

    /** {@code host:port}, an IPv6 address in brackets. */
    String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** Name and address: what a log line says about the relay (never the credentials). */
    @Override
    public String toString() {
        return name + " (" + address() + ")";
    }
}
