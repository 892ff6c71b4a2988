package org.jamesetrn.odmr.customer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

import org.apache.james.protocols.lib.netty.AbstractConfigurableAsyncServer;
import org.apache.james.smtpserver.netty.SMTPServerFactory;

/**
 * Where the turnaround's mail goes: this James's own SMTP server, so that every mailet of this James applies to it.
 * The first SMTP server of smtpserver.xml that is enabled, listening and plain (not SMTPS), at its first address; an
 * address bound to every interface is reached on loopback.
 */
public final class LocalSmtpServer {
    private LocalSmtpServer() {
    }

    public static Optional<InetSocketAddress> of(SMTPServerFactory smtpServers) {
        List<AbstractConfigurableAsyncServer> servers = smtpServers.getServers();
        if (servers == null) {
            return Optional.empty();
        }
        return servers.stream()
            .filter(AbstractConfigurableAsyncServer::isEnabled)
            .filter(AbstractConfigurableAsyncServer::isStarted)
            .filter(server -> "plain".equals(server.getSocketType()))
            .flatMap(server -> server.getListenAddresses().stream())
            .findFirst()
            .map(LocalSmtpServer::reachable);
    }

    private static InetSocketAddress reachable(InetSocketAddress bound) {
        InetAddress address = bound.getAddress();
        if (address == null || address.isAnyLocalAddress()) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), bound.getPort());
        }
        return bound;
    }
}
