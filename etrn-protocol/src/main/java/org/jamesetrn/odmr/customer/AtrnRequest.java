package org.jamesetrn.odmr.customer;

import java.net.InetSocketAddress;
import java.util.List;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;

/**
 * One ATRN to ask of a provider (RFC 2645, the customer's side): where the provider listens, how to secure and
 * authenticate the session (CRAM-MD5 with the customer's secret), which domains to ask for, and where the mail of the
 * turnaround goes (this James's own SMTP server). Prints without the secret.
 */
public final class AtrnRequest {
    public static AtrnRequest of(String host, int port, boolean startTls, boolean startTlsRequired, String user,
                                 String secret, List<String> domains, InetSocketAddress deliverTo) {
        Preconditions.checkArgument(!domains.isEmpty(), "ATRN needs at least one domain");
        Preconditions.checkArgument(!startTlsRequired || startTls, "STARTTLS cannot be required and off");
        return new AtrnRequest(host, port, startTls, startTlsRequired, user, secret, ImmutableList.copyOf(domains),
            deliverTo);
    }

    private final String host;
    private final int port;
    private final boolean startTls;
    private final boolean startTlsRequired;
    private final String user;
    private final String secret;
    private final ImmutableList<String> domains;
    private final InetSocketAddress deliverTo;

    private AtrnRequest(String host, int port, boolean startTls, boolean startTlsRequired, String user, String secret,
                        ImmutableList<String> domains, InetSocketAddress deliverTo) {
        this.host = host;
        this.port = port;
        this.startTls = startTls;
        this.startTlsRequired = startTlsRequired;
        this.user = user;
        this.secret = secret;
        this.domains = domains;
        this.deliverTo = deliverTo;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** STARTTLS when the provider offers it. */
    public boolean startTls() {
        return startTls;
    }

    /** STARTTLS or no AUTH and no ATRN. */
    public boolean startTlsRequired() {
        return startTlsRequired;
    }

    public String user() {
        return user;
    }

    String secret() {
        return secret;
    }

    public List<String> domains() {
        return domains;
    }

    public InetSocketAddress deliverTo() {
        return deliverTo;
    }

    @Override
    public String toString() {
        return "ATRN " + String.join(",", domains) + " as " + user + " at " + host + ":" + port;
    }
}
