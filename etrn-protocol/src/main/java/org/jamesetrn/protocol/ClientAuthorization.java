package org.jamesetrn.protocol;

import java.util.Optional;

import org.apache.james.dnsservice.library.netmatcher.NetMatcher;

/**
 * Who may ask for ETRN at all: relaying clients, authenticated users and extra networks, each as the admin
 * configured. Any one grant is enough; with no grant, the client is refused.
 */
final class ClientAuthorization {
    private final boolean allowRelayingClients;
    private final boolean allowAuthenticatedUsers;
    private final Optional<NetMatcher> allowedNetworks;

    ClientAuthorization(boolean allowRelayingClients, boolean allowAuthenticatedUsers,
                        Optional<NetMatcher> allowedNetworks) {
        this.allowRelayingClients = allowRelayingClients;
        this.allowAuthenticatedUsers = allowAuthenticatedUsers;
        this.allowedNetworks = allowedNetworks;
    }

    boolean isAuthorized(Requester client) {
        return (allowRelayingClients && client.relayingAllowed())
            || (allowAuthenticatedUsers && client.user().isPresent())
            || (client.address() != null
                && allowedNetworks.map(networks -> networks.matchInetNetwork(client.address())).orElse(false));
    }
}
