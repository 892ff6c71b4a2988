package org.jamesetrn.odmr.provider;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.net.ssl.SSLException;

import org.jamesetrn.hold.OnDemandRelease;
import org.jamesetrn.node.InvalidNodeException;
import org.jamesetrn.odmr.AtrnDomains;
import org.jamesetrn.odmr.CramMd5;
import org.jamesetrn.odmr.SmtpConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One customer connection (RFC 2645 section 5): initial state (EHLO, STARTTLS, AUTH, QUIT), authenticated state
 * (ATRN), then the reversed session ({@link Turnaround}), after which the connection is closed. Nothing is read from
 * the hold before both AUTH and ATRN succeeded. Every reply is a clear SMTP reply: bad input never meets a stack
 * trace, only its SMTP error; the customer's idleness past the idle timeout, or too many errors, ends the session
 * with a 421.
 */
final class OdmrSession implements Runnable {
    private static final Logger LOGGER = LoggerFactory.getLogger(OdmrSession.class);
    /** Errors (unknown commands, syntax) a session may make before it is closed, as Postfix's junk-command limit. */
    static final int MAX_ERRORS = 10;
    private static final String UNKNOWN_CUSTOMER_SECRET = "no customer has this secret: " + CramMd5.challenge("odmr");

    private final Socket socket;
    private final OdmrListener listener;
    private final InetAddress address;

    private SmtpConnection connection;
    private boolean greeted;
    private Optional<Customer> customer = Optional.empty();
    private int errors;

    OdmrSession(Socket socket, OdmrListener listener) {
        this.socket = socket;
        this.listener = listener;
        this.address = socket.getInetAddress();
    }

    @Override
    public void run() {
        try {
            connection = new SmtpConnection(socket);
            connection.timeout(listener.settings().idleTimeout());
            connection.send("220 " + listener.settings().helloName() + " ESMTP on-demand mail relay (RFC 2645) ready");
            while (serveOneCommand()) {
                if (errors >= MAX_ERRORS) {
                    connection.send("421 4.7.0 Too many errors, closing the connection");
                    return;
                }
            }
        } catch (IOException e) {
            if (SmtpConnection.isTimeout(e)) {
                closing("421 4.4.2 " + listener.settings().helloName() + " idle for too long, closing the connection");
            } else {
                LOGGER.debug("ODMR session with {} ended: {}", address.getHostAddress(), e.toString());
            }
        } catch (RuntimeException e) {
            LOGGER.error("ODMR session with {} failed", address.getHostAddress(), e);
            closing("421 4.3.0 Internal error, closing the connection");
        } finally {
            if (connection != null) {
                connection.close();
            }
        }
    }

    /** A last reply on a connection about to close, if it still takes one. */
    private void closing(String reply) {
        if (connection == null) {
            return;
        }
        try {
            connection.send(reply);
        } catch (IOException | RuntimeException e) {
            // the connection is gone already
        }
    }

    /** Reads and answers one command; false when the session is over. */
    private boolean serveOneCommand() throws IOException {
        String line;
        try {
            line = connection.readLine();
        } catch (SmtpConnection.LineTooLongException e) {
            return error("500 5.5.2 Line too long");
        }
        if (line == null) {
            return false;
        }
        if (!printable(line)) {
            return error("500 5.5.2 Syntax error: 8-bit or control characters");
        }
        int space = line.indexOf(' ');
        String verb = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.US);
        String argument = space < 0 ? "" : line.substring(space + 1).trim();
        switch (verb) {
            case "EHLO":
                return ehlo(argument);
            case "HELO":
                return helo(argument);
            case "STARTTLS":
                return startTls(argument);
            case "AUTH":
                return auth(argument);
            case "ATRN":
                return atrn(argument);
            case "NOOP":
            case "RSET":
                return reply("250 2.0.0 OK");
            case "QUIT":
                connection.send("221 2.0.0 " + listener.settings().helloName() + " closing connection");
                return false;
            case "":
                return error("500 5.5.2 Syntax error: empty command");
            default:
                // RFC 2645 section 5.4: the provider may refuse every other command with 502.
                return error("502 5.5.1 Command not implemented here: this is an ODMR service (EHLO, AUTH, ATRN, QUIT)");
        }
    }

    private boolean ehlo(String argument) throws IOException {
        if (argument.isEmpty()) {
            return error("501 5.5.4 EHLO needs a domain or address literal");
        }
        greeted = true;
        connection.write("250-" + listener.settings().helloName() + " on-demand mail relay")
            .write("250-ENHANCEDSTATUSCODES");
        if (listener.tls().isPresent() && !connection.tls()) {
            connection.write("250-STARTTLS");
        }
        if (authOffered()) {
            connection.write("250-AUTH " + CramMd5.MECHANISM);
        }
        return reply("250 ATRN");
    }

    private boolean helo(String argument) throws IOException {
        if (argument.isEmpty()) {
            return error("501 5.5.4 HELO needs a domain");
        }
        greeted = true;
        return reply("250 " + listener.settings().helloName());
    }

    /** AUTH is offered unless TLS is required and not started yet. */
    private boolean authOffered() {
        return !listener.settings().tls().map(OdmrSettings.Tls::required).orElse(false) || connection.tls();
    }

    private boolean startTls(String argument) throws IOException {
        if (listener.tls().isEmpty()) {
            return error("502 5.5.1 STARTTLS not offered");
        }
        if (connection.tls()) {
            return error("503 5.5.1 TLS already active");
        }
        if (!argument.isEmpty()) {
            return error("501 5.5.4 STARTTLS takes no argument");
        }
        connection.send("220 2.0.0 Ready to start TLS");
        try {
            // What the customer sent in plain text after STARTTLS is dropped with the plain stream (RFC 3207 section 6).
            connection.startTls(listener.tls().get(), null, false);
        } catch (SSLException e) {
            LOGGER.info("ODMR STARTTLS with {} failed: {}", address.getHostAddress(), e.getMessage());
            throw e;
        }
        // RFC 3207 section 4.2: the session starts over; what was said in plain text counts no more.
        greeted = false;
        customer = Optional.empty();
        return true;
    }

    private boolean auth(String argument) throws IOException {
        if (!greeted) {
            return error("503 5.5.1 EHLO first");
        }
        if (customer.isPresent()) {
            return error("503 5.5.1 Already authenticated");
        }
        if (!authOffered()) {
            return error("530 5.7.0 Must issue a STARTTLS command first");
        }
        String[] words = argument.split(" +");
        if (!words[0].equalsIgnoreCase(CramMd5.MECHANISM)) {
            return error("504 5.5.4 Unrecognized authentication type: this service takes " + CramMd5.MECHANISM);
        }
        if (words.length > 1) {
            return error("501 5.5.4 " + CramMd5.MECHANISM + " takes no initial response");
        }
        String challenge = CramMd5.challenge(listener.settings().helloName());
        connection.send("334 " + CramMd5.base64(challenge));
        String response;
        try {
            response = connection.readLine();
        } catch (SmtpConnection.LineTooLongException e) {
            return error("500 5.5.2 Line too long");
        }
        if (response == null) {
            throw new EOFException("connection closed during AUTH");
        }
        if (response.trim().equals("*")) {
            return error("501 5.0.0 AUTH aborted");
        }
        String decoded;
        try {
            decoded = CramMd5.unbase64(response);
        } catch (IllegalArgumentException e) {
            return error("501 5.5.2 Cannot decode the AUTH response (base64)");
        }
        Optional<CramMd5.Answer> answer = CramMd5.parse(decoded);
        String user = answer.map(CramMd5.Answer::user).orElse("");
        Optional<Customer> named = answer.flatMap(given -> listener.customers().named(given.user()));
        // The digest is checked for an unknown name too, so that answering takes as long whoever is named.
        boolean proven = answer.isPresent()
            && answer.get().provesSecret(named.map(Customer::secret).orElse(UNKNOWN_CUSTOMER_SECRET), challenge);
        Optional<Customer> authenticated = named.filter(customer -> proven);
        listener.audit().auth(address, user, authenticated.isPresent());
        if (authenticated.isPresent()) {
            customer = authenticated;
            return reply("235 2.7.0 Authentication successful");
        }
        if (!listener.authFailures().tryAcquire(address)) {
            connection.send("421 4.7.0 Too many authentication failures, closing the connection");
            return false;
        }
        return reply("535 5.7.8 Authentication credentials invalid");
    }

    private boolean atrn(String argument) throws IOException {
        if (customer.isEmpty()) {
            listener.audit().atrn(address, "-", List.of(), AtrnAnswer.unauthenticated());
            return reply(AtrnAnswer.unauthenticated().reply());
        }
        Customer asking = customer.get();
        List<String> domains;
        try {
            domains = AtrnDomains.parse(argument);
        } catch (InvalidNodeException e) {
            return answer(asking, List.of(), AtrnAnswer.syntaxError(e.getMessage()));
        }
        if (domains.isEmpty()) {
            domains = asking.domains();
        }
        Optional<String> notOwned = domains.stream().filter(domain -> !asking.domains().contains(domain)).findFirst();
        if (notOwned.isPresent()) {
            return answer(asking, domains, AtrnAnswer.notOwned(notOwned.get()));
        }
        if (listener.release().isEmpty()) {
            LOGGER.error("ODMR: no hold offers on-demand release (OnDemandRelease is not bound): ATRN answers 451");
            return answer(asking, domains, AtrnAnswer.failed());
        }
        if (!listener.startTurn(asking)) {
            return answer(asking, domains, AtrnAnswer.busy());
        }
        try {
            return turn(asking, domains, listener.release().get());
        } finally {
            listener.endTurn(asking);
        }
    }

    private boolean turn(Customer asking, List<String> domains, OnDemandRelease release) throws IOException {
        OnDemandRelease.Turn turn;
        try {
            if (release.waiting(domains) == 0) {
                return answer(asking, domains, AtrnAnswer.noMail());
            }
            turn = release.open(domains);
        } catch (Exception e) {
            LOGGER.warn("ODMR: cannot read the held mail of {} for customer {}", domains, asking, e);
            return answer(asking, domains, AtrnAnswer.failed());
        }
        try (OnDemandRelease.Turn opened = turn) {
            answer(asking, domains, AtrnAnswer.turnaround());
            TurnReport report = new Turnaround(connection, listener.settings(), listener.deadlines()).deliver(opened);
            listener.audit().turn(address, asking.name(), report);
        }
        return false;
    }

    private boolean answer(Customer asking, List<String> domains, AtrnAnswer answer) throws IOException {
        listener.audit().atrn(address, asking.name(), domains, answer);
        return reply(answer.reply());
    }

    private boolean reply(String reply) throws IOException {
        connection.send(reply);
        return true;
    }

    private boolean error(String reply) throws IOException {
        errors++;
        return reply(reply);
    }

    private static boolean printable(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
