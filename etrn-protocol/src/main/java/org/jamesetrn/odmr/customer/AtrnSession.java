package org.jamesetrn.odmr.customer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.net.ssl.SSLContext;

import org.jamesetrn.odmr.AtrnDomains;
import org.jamesetrn.odmr.CramMd5;
import org.jamesetrn.odmr.SmtpConnection;
import org.jamesetrn.odmr.SmtpReply;

/**
 * One ODMR session with a provider, the customer's side of RFC 2645: EHLO, STARTTLS as asked, AUTH CRAM-MD5, ATRN
 * with the customer's domains; on 250 the turnaround, relayed to this James's own SMTP server ({@link SessionRelay})
 * until the provider's QUIT. The reply to ATRN is awaited at least {@link #ATRN_TIMEOUT} (RFC 2645 section 5.2.1);
 * every other step {@code timeout}. Every failure becomes an {@link AtrnResult}: nothing here throws. The secret
 * never leaves this class but as CRAM-MD5's digest.
 */
public final class AtrnSession {
    /** RFC 2645 section 5.2.1: the customer waits at least 10 minutes for the reply to ATRN. */
    public static final Duration ATRN_TIMEOUT = Duration.ofMinutes(10);
    /** The longest an SMTP client waits for one reply (RFC 5321: 10 minutes after the final dot): the relay's idle limit. */
    public static final Duration TURNAROUND_IDLE = Duration.ofMinutes(10);

    private final Duration timeout;
    private final String ehloName;
    private final Duration turnaroundIdle;

    public AtrnSession(Duration timeout, Optional<String> ehloName) {
        this(timeout, ehloName, TURNAROUND_IDLE);
    }

    AtrnSession(Duration timeout, Optional<String> ehloName, Duration turnaroundIdle) {
        this.timeout = timeout;
        this.ehloName = ehloName.orElseGet(AtrnSession::localHostName);
        this.turnaroundIdle = turnaroundIdle;
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    public AtrnResult ask(AtrnRequest request) {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(request.host(), request.port()), (int) timeout.toMillis());
        } catch (IOException e) {
            close(socket);
            return AtrnResult.failed(AtrnResult.Outcome.UNREACHABLE,
                "cannot connect to " + request.host() + ":" + request.port() + ": " + e.getMessage());
        }
        SmtpConnection connection;
        try {
            connection = new SmtpConnection(socket);
        } catch (IOException e) {
            close(socket);
            return AtrnResult.failed(AtrnResult.Outcome.UNREACHABLE, e.getMessage());
        }
        try {
            return ask(connection, request);
        } catch (IOException e) {
            return AtrnResult.failed(AtrnResult.Outcome.UNREACHABLE, "connection lost: " + e.getMessage());
        } finally {
            connection.close();
        }
    }

    private AtrnResult ask(SmtpConnection connection, AtrnRequest request) throws IOException {
        connection.timeout(timeout);
        SmtpReply greeting = connection.readReply();
        if (greeting.code() != 220) {
            return refusal(greeting);
        }
        SmtpReply ehlo = ehlo(connection);
        if (!ehlo.positive()) {
            return quit(connection, refusal(ehlo));
        }
        boolean tls = false;
        if (request.startTls() && offers(ehlo, "STARTTLS")) {
            SmtpReply ready = connection.send("STARTTLS").readReply();
            if (ready.code() == 220) {
                try {
                    connection.startTls(SSLContext.getDefault(), request.host(), true);
                } catch (IOException | NoSuchAlgorithmException e) {
                    return AtrnResult.failed(AtrnResult.Outcome.REFUSED, "STARTTLS failed: " + e.getMessage());
                }
                tls = true;
                ehlo = ehlo(connection);
                if (!ehlo.positive()) {
                    return quit(connection, refusal(ehlo));
                }
            } else if (request.startTlsRequired()) {
                return quit(connection, refusal(ready));
            }
        }
        if (!tls && request.startTlsRequired()) {
            return quit(connection, AtrnResult.failed(AtrnResult.Outcome.REFUSED,
                "no TLS with the provider (STARTTLS not offered or refused); no AUTH without TLS"));
        }
        if (!offers(ehlo, "ATRN")) {
            return quit(connection, AtrnResult.failed(AtrnResult.Outcome.NOT_OFFERED, "the provider does not offer ATRN (EHLO)"));
        }
        if (!offersCramMd5(ehlo)) {
            return quit(connection, AtrnResult.failed(AtrnResult.Outcome.NOT_OFFERED,
                "the provider does not offer AUTH " + CramMd5.MECHANISM + " (EHLO)"));
        }
        SmtpReply challenge = connection.send("AUTH " + CramMd5.MECHANISM).readReply();
        if (challenge.code() != 334) {
            return quit(connection, refusal(challenge));
        }
        String answer;
        try {
            answer = CramMd5.answer(request.user(), request.secret(), CramMd5.unbase64(challenge.texts().get(0)));
        } catch (IllegalArgumentException e) {
            connection.send("*").readReply();
            return quit(connection, AtrnResult.failed(AtrnResult.Outcome.REFUSED, "the provider's challenge is not base64"));
        }
        SmtpReply authenticated = connection.send(CramMd5.base64(answer)).readReply();
        if (!authenticated.positive()) {
            return quit(connection, refusal(authenticated));
        }
        connection.timeout(timeout.compareTo(ATRN_TIMEOUT) > 0 ? timeout : ATRN_TIMEOUT);
        SmtpReply atrn = connection.send("ATRN " + AtrnDomains.asArgument(request.domains())).readReply();
        if (atrn.code() == 453) {
            return quit(connection, AtrnResult.replied(AtrnResult.Outcome.NO_MAIL, atrn.toString()));
        }
        if (!atrn.positive()) {
            return quit(connection, refusal(atrn));
        }
        return turnaround(connection, request, atrn);
    }

    private AtrnResult turnaround(SmtpConnection connection, AtrnRequest request, SmtpReply atrn) {
        Socket local = new Socket();
        try {
            local.connect(request.deliverTo(), (int) timeout.toMillis());
        } catch (IOException e) {
            close(local);
            // No greeting goes to the provider: it gives up the turnaround and the mail stays held there.
            return AtrnResult.failed(AtrnResult.Outcome.UNREACHABLE, "ATRN answered " + atrn + " but this James's SMTP "
                + "server at " + request.deliverTo() + " cannot be reached: " + e.getMessage());
        }
        SessionRelay relay = new SessionRelay(connection, local, turnaroundIdle);
        try {
            Transcript transcript = relay.relay();
            return AtrnResult.turnaround(atrn.toString(), transcript, relay.cut());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return AtrnResult.failed(AtrnResult.Outcome.UNREACHABLE, "interrupted during the turnaround");
        } finally {
            close(local);
        }
    }

    private SmtpReply ehlo(SmtpConnection connection) throws IOException {
        return connection.send("EHLO " + ehloName).readReply();
    }

    private static boolean offers(SmtpReply ehlo, String keyword) {
        return keywords(ehlo).stream().anyMatch(line -> line.equals(keyword) || line.startsWith(keyword + " "));
    }

    private static boolean offersCramMd5(SmtpReply ehlo) {
        return keywords(ehlo).stream()
            .filter(line -> line.startsWith("AUTH ") || line.startsWith("AUTH="))
            .anyMatch(line -> List.of(line.substring(5).split("\\s+")).contains(CramMd5.MECHANISM));
    }

    private static List<String> keywords(SmtpReply ehlo) {
        return ehlo.texts().stream().skip(1).map(text -> text.trim().toUpperCase(Locale.US))
            .collect(com.google.common.collect.ImmutableList.toImmutableList());
    }

    /** A reply that ends the session before the turnaround: 4xx deferred, 5xx (and anything else) refused. */
    private static AtrnResult refusal(SmtpReply reply) {
        return AtrnResult.replied(reply.transientFailure() ? AtrnResult.Outcome.DEFERRED : AtrnResult.Outcome.REFUSED,
            reply.toString());
    }

    /** QUIT, politely, whatever it gives; then the result. */
    private AtrnResult quit(SmtpConnection connection, AtrnResult result) {
        try {
            connection.timeout(timeout).send("QUIT").readReply();
        } catch (IOException e) {
            // the provider hung up first
        }
        return result;
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closed all the same
        }
    }
}
