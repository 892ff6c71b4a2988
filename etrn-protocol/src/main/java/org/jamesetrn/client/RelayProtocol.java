package org.jamesetrn.client;

import java.util.Locale;

/** How the client asks a relay for this site's mail. */
enum RelayProtocol {
    /** RFC 1985: {@code ETRN node}; the relay then delivers to this site's MX, on connections of its own. */
    ETRN(25, "ETRN"),
    /**
     * RFC 2645, On-Demand Mail Relay: AUTH CRAM-MD5, {@code ATRN domains}; the mail then comes back over this very
     * connection (no MX, no static address needed), relayed to this James's own SMTP server.
     */
    ODMR(366, "ATRN");

    private final int defaultPort;
    private final String command;

    RelayProtocol(int defaultPort, String command) {
        this.defaultPort = defaultPort;
        this.command = command;
    }

    static RelayProtocol parse(String value) {
        for (RelayProtocol protocol : values()) {
            if (protocol.name().equalsIgnoreCase(value.trim())) {
                return protocol;
            }
        }
        throw new IllegalArgumentException("expected etrn or odmr");
    }

    int defaultPort() {
        return defaultPort;
    }

    /** The command that asks: what a log line names. */
    String command() {
        return command;
    }

    String asConfigValue() {
        return name().toLowerCase(Locale.US);
    }
}
