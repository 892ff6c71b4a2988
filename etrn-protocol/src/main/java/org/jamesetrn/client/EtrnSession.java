package org.jamesetrn.client;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import javax.mail.AuthenticationFailedException;
import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.URLName;
import javax.net.ssl.SSLException;

import org.jamesetrn.node.Node;

import com.google.common.collect.ImmutableList;
import com.sun.mail.smtp.SMTPTransport;

/**
 * One SMTP session with a relay, through JavaMail's {@link SMTPTransport} (the SMTP client James itself ships and
 * RemoteDelivery uses): {@code connect} does EHLO, STARTTLS and AUTH as configured; then one ETRN per node and QUIT.
 * A relay whose EHLO does not list ETRN gets no ETRN. Every failure becomes a {@link RequestResult}: nothing here
 * throws.
 */
final class EtrnSession implements RelaySession {
    private static final String PROTOCOL = "smtp";
    private static final String ETRN = "ETRN";
    /**
     * How JavaMail 1.6 reports any failure of the TLS handshake after STARTTLS, the certificate's name check
     * included (that one is a plain IOException, not an SSLException).
     */
    private static final String TLS_FAILURE = "Could not convert socket to TLS";

    private final Duration timeout;
    private final Optional<String> ehloName;

    EtrnSession(Duration timeout, Optional<String> ehloName) {
        this.timeout = timeout;
        this.ehloName = ehloName;
    }

    /** One result per node, in order. */
    @Override
    public List<RequestResult> ask(UpstreamRelay relay, List<Node> nodes) {
        SMTPTransport transport = new SMTPTransport(Session.getInstance(properties(relay)),
            new URLName(PROTOCOL, relay.host(), relay.port(), null, null, null));
        try {
            try {
                transport.connect(relay.host(), relay.port(),
                    relay.credentials().map(Credentials::user).orElse(null),
                    relay.credentials().map(Credentials::password).orElse(null));
            } catch (MessagingException e) {
                return each(relay, nodes, failure(e, transport.getLastReturnCode()), describe(e));
            }
            if (relay.credentials().isPresent() && !offersAuth(transport)) {
                // JavaMail then goes on unauthenticated; the admin asked for AUTH, so nothing is asked for without it.
                return each(relay, nodes, ClientOutcome.REFUSED,
                    "the relay does not offer AUTH (EHLO); no ETRN sent without the configured authentication");
            }
            if (!transport.supportsExtension(ETRN)) {
                return each(relay, nodes, ClientOutcome.NOT_OFFERED, "the relay does not offer ETRN (EHLO); no ETRN sent");
            }
            return etrnEach(transport, relay, nodes);
        } finally {
            quit(transport);
        }
    }

    private static List<RequestResult> etrnEach(SMTPTransport transport, UpstreamRelay relay, List<Node> nodes) {
        ImmutableList.Builder<RequestResult> results = ImmutableList.builder();
        Optional<String> lost = Optional.empty();
        for (Node node : nodes) {
            if (lost.isPresent()) {
                results.add(RequestResult.failed(relay, node, ClientOutcome.UNREACHABLE, lost.get()));
                continue;
            }
            try {
                int code = transport.simpleCommand(ETRN + " " + node.asString());
                if (code == -1) {
                    lost = Optional.of("the relay closed the connection");
                    results.add(RequestResult.failed(relay, node, ClientOutcome.UNREACHABLE, lost.get()));
                } else {
                    results.add(RequestResult.replied(relay, node, code, transport.getLastServerResponse()));
                    if (code == 421) {
                        lost = Optional.of("the relay is closing the session (421)");
                    }
                }
            } catch (MessagingException e) {
                lost = Optional.of(describe(e));
                results.add(RequestResult.failed(relay, node, ClientOutcome.UNREACHABLE, lost.get()));
            }
        }
        return results.build();
    }

    private Properties properties(UpstreamRelay relay) {
        String prefix = "mail." + PROTOCOL + ".";
        Properties properties = new Properties();
        String millis = String.valueOf(timeout.toMillis());
        properties.setProperty(prefix + "connectiontimeout", millis);
        properties.setProperty(prefix + "timeout", millis);
        properties.setProperty(prefix + "starttls.enable", String.valueOf(relay.startTls() != StartTls.OFF));
        properties.setProperty(prefix + "starttls.required", String.valueOf(relay.startTls() == StartTls.REQUIRED));
        // JavaMail checks the certificate chain but not, by default, that it names the relay.
        properties.setProperty(prefix + "ssl.checkserveridentity", "true");
        properties.setProperty(prefix + "auth", String.valueOf(relay.credentials().isPresent()));
        ehloName.ifPresent(name -> properties.setProperty(prefix + "localhost", name));
        return properties;
    }

    private static boolean offersAuth(SMTPTransport transport) {
        // The same test JavaMail makes before it authenticates.
        return transport.supportsExtension("AUTH") || transport.supportsExtension("AUTH=LOGIN");
    }

    /**
     * Connecting failed: a bad password or certificate does not mend itself (refused until the next trigger), a
     * network failure, a connection closed without a reply or a 4xx greeting may (retried); anything else the relay
     * said (5xx, no STARTTLS when it is required) is a refusal.
     */
    private static ClientOutcome failure(MessagingException e, int lastCode) {
        if (e instanceof AuthenticationFailedException || causedBy(e, SSLException.class)
            || String.valueOf(e.getMessage()).startsWith(TLS_FAILURE)) {
            return ClientOutcome.REFUSED;
        }
        // -1: the relay closed the connection before it replied (JavaMail's end of stream).
        if (causedBy(e, IOException.class) || lastCode == -1) {
            return ClientOutcome.UNREACHABLE;
        }
        return lastCode >= 400 && lastCode < 500 ? ClientOutcome.DEFERRED : ClientOutcome.REFUSED;
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    /** JavaMail's message and its causes': host, port and the server's reply, never a password. */
    private static String describe(MessagingException e) {
        StringBuilder reason = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            reason.append(": ").append(cause.getClass().getSimpleName());
            if (cause.getMessage() != null) {
                reason.append(' ').append(cause.getMessage());
            }
        }
        return reason.toString();
    }

    private static List<RequestResult> each(UpstreamRelay relay, List<Node> nodes, ClientOutcome outcome, String reason) {
        return nodes.stream()
            .map(node -> RequestResult.failed(relay, node, outcome, reason))
            .collect(ImmutableList.toImmutableList());
    }

    private static void quit(SMTPTransport transport) {
        try {
            transport.close();
        } catch (MessagingException e) {
            // QUIT could not be said: the connection is closed all the same.
        }
    }
}
