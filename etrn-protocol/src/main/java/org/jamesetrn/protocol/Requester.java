package org.jamesetrn.protocol;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;

import org.apache.james.core.Username;
import org.apache.james.protocols.smtp.SMTPSession;

/** Who sends the ETRN: what the policy and the rate limit look at. */
final class Requester {
    static Requester of(SMTPSession session) {
        InetSocketAddress remote = session.getRemoteAddress();
        return new Requester(remote == null ? null : remote.getAddress(), session.isRelayingAllowed(),
            Optional.ofNullable(session.getUsername()));
    }

    private final InetAddress address;
    private final boolean relayingAllowed;
    private final Optional<Username> user;

    Requester(InetAddress address, boolean relayingAllowed, Optional<Username> user) {
        this.address = address;
        this.relayingAllowed = relayingAllowed;
        this.user = user;
    }

    /** The client's IP address; null only when the transport does not know it. */
    InetAddress address() {
        return address;
    }

    /** Whether James lets this client relay (its address is in the server's authorizedAddresses). */
    boolean relayingAllowed() {
        return relayingAllowed;
    }

    /** The SMTP AUTH user, if the client authenticated. */
    Optional<Username> user() {
        return user;
    }

    String addressAsString() {
        return address == null ? "unknown" : address.getHostAddress();
    }
}
