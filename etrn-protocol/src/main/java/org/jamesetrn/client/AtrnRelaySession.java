package org.jamesetrn.client;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.jamesetrn.node.Node;
import org.jamesetrn.odmr.customer.AtrnRequest;
import org.jamesetrn.odmr.customer.AtrnResult;
import org.jamesetrn.odmr.customer.AtrnSession;

import com.google.common.collect.ImmutableList;

/**
 * An ODMR relay ({@code protocol=odmr}): one {@link AtrnSession} asks for all the relay's domains with one ATRN, and
 * the mail of the turnaround goes to {@code deliverTo}, or to this James's own SMTP server. Each domain gets the
 * ATRN's result (the count: mails accepted over the turnaround, all domains together).
 */
final class AtrnRelaySession implements RelaySession {
    private final AtrnSession session;
    private final Supplier<Optional<InetSocketAddress>> localSmtp;

    AtrnRelaySession(AtrnSession session, Supplier<Optional<InetSocketAddress>> localSmtp) {
        this.session = session;
        this.localSmtp = localSmtp;
    }

    @Override
    public List<RequestResult> ask(UpstreamRelay relay, List<Node> nodes) {
        Optional<InetSocketAddress> deliverTo = relay.deliverTo()
            .map(address -> new InetSocketAddress(address.getHost(), address.getPort()))
            .or(localSmtp);
        AtrnResult result = deliverTo.isEmpty()
            ? AtrnResult.unreachable("no SMTP server of this James listens to take the mail (smtpserver.xml), and no "
                + EtrnClientConfiguration.RELAY_PREFIX + relay.name() + "." + EtrnClientConfiguration.DELIVER_TO)
            : session.ask(AtrnRequest.of(relay.host(), relay.port(), relay.startTls() != StartTls.OFF,
                relay.startTls() == StartTls.REQUIRED, relay.credentials().orElseThrow().user(),
                relay.credentials().orElseThrow().password(),
                nodes.stream().map(Node::name).collect(ImmutableList.toImmutableList()), deliverTo.get()));
        return nodes.stream()
            .map(node -> RequestResult.atrn(relay, node, result))
            .collect(ImmutableList.toImmutableList());
    }
}
