package org.jamesetrn.client;

import java.util.Locale;

/** Whether the client secures its session with a relay by STARTTLS (RFC 3207) before AUTH and ETRN. */
enum StartTls {
    /**
     * STARTTLS or nothing: a relay that does not offer it, or whose certificate the JVM does not trust for its host
     * name, gets no ETRN (refused, not retried: it will not change by itself).
     */
    REQUIRED,
    /** STARTTLS when the relay offers it, plain text otherwise (an attacker on the path can strip the offer). */
    OPPORTUNISTIC,
    /** Plain text. */
    OFF;

    static StartTls parse(String value) {
        for (StartTls mode : values()) {
            if (mode.asConfigValue().equals(value.trim().toLowerCase(Locale.US))) {
                return mode;
            }
        }
        throw new IllegalArgumentException("expected required, opportunistic or off");
    }

    String asConfigValue() {
        return name().toLowerCase(Locale.US);
    }
}
