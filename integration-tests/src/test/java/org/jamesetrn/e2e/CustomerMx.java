package org.jamesetrn.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The customer site's mail server: a plain SMTP server (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) on a
 * loopback port that records every message it accepts. "Down" means not listening: {@link #stop()} closes the
 * port, {@link #start()} opens the same port again.
 *
 * <p>Depends on the JDK only, so that it also runs on its own as the sink of the README walk-through:
 * {@code java integration-tests/src/test/java/org/jamesetrn/e2e/CustomerMx.java 2526}.
 */
public final class CustomerMx {
    /** One accepted message: its Message-ID header and its envelope recipients. */
    public static final class Delivery {
        private final String messageId;
        private final List<String> recipients;

        Delivery(String messageId, List<String> recipients) {
            this.messageId = messageId;
            this.recipients = Collections.unmodifiableList(new ArrayList<>(recipients));
        }

        public String messageId() {
            return messageId;
        }

        public List<String> recipients() {
            return recipients;
        }

        @Override
        public String toString() {
            return messageId + " -> " + recipients;
        }
    }

    private static final Pattern ADDRESS = Pattern.compile("<([^>]*)>");
    private static final Pattern MESSAGE_ID = Pattern.compile("(?i)^Message-ID:\\s*(.*)$");

    private final int port;
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final boolean verbose;
    private volatile ServerSocket listener;

    public CustomerMx(int port) {
        this(port, false);
    }

    private CustomerMx(int port, boolean verbose) {
        this.port = port;
        this.verbose = verbose;
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 2526;
        new CustomerMx(port, true).start();
        System.out.println("customer MX listening on 127.0.0.1:" + port + " (Ctrl-C stops it)");
        Thread.currentThread().join();
    }

    public int port() {
        return port;
    }

    public synchronized CustomerMx start() {
        if (listener != null) {
            return this;
        }
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
            listener = socket;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on port " + port, e);
        }
        Thread acceptor = new Thread(() -> accept(listener), "customer-mx-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
        return this;
    }

    /** Closes the port: the site is down (connections are refused). Sessions in progress are cut too. */
    public synchronized void stop() {
        if (listener == null) {
            return;
        }
        try {
            listener.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        listener = null;
    }

    public List<Delivery> deliveries() {
        return new ArrayList<>(deliveries);
    }

    public List<String> messageIds() {
        return deliveries.stream().map(Delivery::messageId).collect(Collectors.toList());
    }

    /** Message-IDs received for recipients in exactly this domain. */
    public List<String> messageIdsFor(String domain) {
        return deliveries.stream()
            .filter(delivery -> delivery.recipients().stream().anyMatch(rcpt -> domainOf(rcpt).equals(domain)))
            .map(Delivery::messageId)
            .collect(Collectors.toList());
    }

    public void forget() {
        deliveries.clear();
    }

    private static String domainOf(String address) {
        return address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }

    private void accept(ServerSocket socket) {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                Thread session = new Thread(() -> serve(client, socket), "customer-mx-session");
                session.setDaemon(true);
                session.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client, ServerSocket acceptedBy) {
        try (Socket socket = client;
             BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
             OutputStream out = socket.getOutputStream()) {
            converse(in, out, acceptedBy);
        } catch (SocketException cut) {
            // The client went away or the MX was stopped mid-session: nothing was accepted.
        } catch (IOException e) {
            System.err.println("customer MX session failed: " + e);
        }
    }

    private void converse(BufferedReader in, OutputStream out, ServerSocket acceptedBy) throws IOException {
        reply(out, "220 customer-mx.test ESMTP");
        List<String> recipients = new ArrayList<>();
        boolean mailFrom = false;
        String line;
        while ((line = in.readLine()) != null) {
            String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase(Locale.ROOT) : line.toUpperCase(Locale.ROOT);
            switch (verb) {
                case "EHLO":
                case "HELO":
                    reply(out, "250 customer-mx.test");
                    break;
                case "MAIL":
                    mailFrom = true;
                    recipients.clear();
                    reply(out, "250 2.1.0 OK");
                    break;
                case "RCPT":
                    Matcher address = ADDRESS.matcher(line);
                    if (!mailFrom || !address.find()) {
                        reply(out, "503 5.5.1 MAIL first, and RCPT TO:<address>");
                    } else {
                        recipients.add(address.group(1));
                        reply(out, "250 2.1.5 OK");
                    }
                    break;
                case "DATA":
                    if (recipients.isEmpty()) {
                        reply(out, "503 5.5.1 RCPT first");
                        break;
                    }
                    reply(out, "354 end with <CRLF>.<CRLF>");
                    String messageId = readMessage(in);
                    if (acceptedBy.isClosed()) {
                        return; // stopped while receiving: the message is not accepted
                    }
                    deliveries.add(new Delivery(messageId, recipients));
                    if (verbose) {
                        System.out.println("received " + messageId + " for " + recipients);
                    }
                    reply(out, "250 2.0.0 accepted");
                    mailFrom = false;
                    recipients = new ArrayList<>();
                    break;
                case "RSET":
                    mailFrom = false;
                    recipients.clear();
                    reply(out, "250 2.0.0 OK");
                    break;
                case "NOOP":
                    reply(out, "250 2.0.0 OK");
                    break;
                case "QUIT":
                    reply(out, "221 2.0.0 bye");
                    return;
                default:
                    reply(out, "502 5.5.2 not implemented");
            }
        }
    }

    private static String readMessage(BufferedReader in) throws IOException {
        String messageId = "<none>";
        boolean inHeaders = true;
        String line;
        while ((line = in.readLine()) != null && !line.equals(".")) {
            if (line.isEmpty()) {
                inHeaders = false;
            }
            Matcher header = MESSAGE_ID.matcher(line);
            if (inHeaders && header.matches()) {
                messageId = header.group(1).trim();
            }
        }
        if (line == null) {
            throw new SocketException("connection closed during DATA");
        }
        return messageId;
    }

    private static void reply(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
