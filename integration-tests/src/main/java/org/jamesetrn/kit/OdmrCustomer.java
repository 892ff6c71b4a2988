package org.jamesetrn.kit;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A customer site of On-Demand Mail Relay (RFC 2645) as the tests and the benchmark need one: it connects to a
 * provider's ODMR listener, says EHLO, AUTH CRAM-MD5 and ATRN, and after the provider's 250 is the SMTP server of the
 * reversed session on that same connection: it greets, answers each recipient as told ({@link #answerRecipients}),
 * records every message it accepts (Message-ID, recipients, arrival), and can drop the connection after a number of
 * messages or answer every line late. JDK only (the benchmark runs it).
 */
public final class OdmrCustomer {
    /** What one ATRN session gave. */
    public static final class Session {
        private final List<String> transcript;
        private final Optional<String> atrnReply;
        private final List<CustomerMx.Delivery> deliveries;
        private final String end;
        private final long atrnNanos;

        Session(List<String> transcript, Optional<String> atrnReply, List<CustomerMx.Delivery> deliveries, String end,
                long atrnNanos) {
            this.transcript = List.copyOf(transcript);
            this.atrnReply = atrnReply;
            this.deliveries = List.copyOf(deliveries);
            this.end = end;
            this.atrnNanos = atrnNanos;
        }

        Session(List<String> transcript, Optional<String> atrnReply, List<CustomerMx.Delivery> deliveries, String end) {
            this(transcript, atrnReply, deliveries, end, -1);
        }

        /** From ATRN written to its reply read, in nanoseconds; -1 when no ATRN was sent. */
        public long atrnNanos() {
            return atrnNanos;
        }

        /** Every reply of the provider before the turnaround, in order ("220 ...", "250-...", "334 ...", "235 ..."). */
        public List<String> transcript() {
            return transcript;
        }

        /** The reply to ATRN; empty when the session ended before it (a refused AUTH). */
        public Optional<String> atrnReply() {
            return atrnReply;
        }

        public int atrnCode() {
            return atrnReply.map(reply -> Integer.parseInt(reply.substring(0, 3))).orElse(-1);
        }

        /** The messages accepted during the turnaround, in order. */
        public List<CustomerMx.Delivery> deliveries() {
            return deliveries;
        }

        public List<String> messageIds() {
            List<String> ids = new ArrayList<>();
            deliveries.forEach(delivery -> ids.add(delivery.messageId()));
            return ids;
        }

        /** How the session ended: "QUIT", "dropped after N messages", or what failed. */
        public String end() {
            return end;
        }

        @Override
        public String toString() {
            return "ATRN " + atrnReply.orElse("(none)") + ", " + deliveries.size() + " messages, ended: " + end
                + ", transcript " + transcript;
        }
    }

    private static final Pattern ADDRESS = Pattern.compile("<([^>]*)>");
    private static final String MESSAGE_ID_HEADER = "Message-ID:";

    private final int port;
    private final String user;
    private final String secret;
    private Function<String, String> recipientReply = recipient -> null;
    private int dropAfter = Integer.MAX_VALUE;
    private long replyDelayNanos;
    private boolean pipelining = true;
    private Duration timeout = Duration.ofSeconds(60);

    private OdmrCustomer(int port, String user, String secret) {
        this.port = port;
        this.user = user;
        this.secret = secret;
    }

    /** The customer {@code user} with this secret, of the provider listening on 127.0.0.1:port. */
    public static OdmrCustomer of(int port, String user, String secret) {
        return new OdmrCustomer(port, user, secret);
    }

    /** The reply to RCPT TO for a recipient (e.g. "452 4.2.2 Mailbox full"); null accepts it (250). */
    public OdmrCustomer answerRecipients(Function<String, String> reply) {
        this.recipientReply = reply;
        return this;
    }

    /** Closes the connection right after accepting this many messages (a site whose link goes down). */
    public OdmrCustomer dropAfter(int messages) {
        this.dropAfter = messages;
        return this;
    }

    /** Every reply of the reversed session is sent this late (a site far away: each round trip costs that). */
    public OdmrCustomer answerLate(Duration delay) {
        this.replyDelayNanos = delay.toNanos();
        return this;
    }

    /** Whether the reversed session's EHLO offers PIPELINING (RFC 2920). Default: yes. */
    public OdmrCustomer pipelining(boolean offered) {
        this.pipelining = offered;
        return this;
    }

    /** How long it waits for each line (the reply to ATRN included). Default: 60 s. */
    public OdmrCustomer timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /** One session: EHLO, AUTH CRAM-MD5, "ATRN" with these domains (none: all the customer's), then the turnaround. */
    public Session atrn(String... domains) {
        List<String> transcript = new ArrayList<>();
        List<CustomerMx.Delivery> deliveries = new ArrayList<>();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.setTcpNoDelay(true);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            String greeting = reply(in, transcript);
            if (!greeting.startsWith("220")) {
                return new Session(transcript, Optional.empty(), deliveries, "greeted with " + greeting);
            }
            command(out, "EHLO customer.e2e.test");
            reply(in, transcript);
            command(out, "AUTH CRAM-MD5");
            String challenge = reply(in, transcript);
            if (!challenge.startsWith("334 ")) {
                return new Session(transcript, Optional.empty(), deliveries, "AUTH: " + challenge);
            }
            command(out, Base64.getEncoder().encodeToString(answer(challenge.substring(4)).getBytes(StandardCharsets.UTF_8)));
            String authenticated = reply(in, transcript);
            if (!authenticated.startsWith("235")) {
                return new Session(transcript, Optional.empty(), deliveries, "AUTH: " + authenticated);
            }
            long atrnSent = System.nanoTime();
            command(out, domains.length == 0 ? "ATRN" : "ATRN " + String.join(",", domains));
            String atrn = reply(in, transcript);
            long atrnNanos = System.nanoTime() - atrnSent;
            if (!atrn.startsWith("250")) {
                command(out, "QUIT");
                return new Session(transcript, Optional.of(atrn), deliveries, "no turnaround", atrnNanos);
            }
            String end = new Reversed(in, out, deliveries).run();
            return new Session(transcript, Optional.of(atrn), deliveries, end, atrnNanos);
        } catch (IOException e) {
            return new Session(transcript, Optional.empty(), deliveries, "connection failed: " + e);
        }
    }

    /** RFC 2195: {@code user SP hex(HMAC-MD5(secret, challenge))}. */
    private String answer(String base64Challenge) {
        String challenge = new String(Base64.getDecoder().decode(base64Challenge), StandardCharsets.UTF_8);
        try {
            Mac mac = Mac.getInstance("HmacMD5");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacMD5"));
            StringBuilder hex = new StringBuilder();
            for (byte b : mac.doFinal(challenge.getBytes(StandardCharsets.UTF_8))) {
                hex.append(String.format("%02x", b & 0xff));
            }
            return user + " " + hex;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void command(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** A whole reply; its last line is returned, every line goes to the transcript. */
    private static String reply(BufferedReader in, List<String> transcript) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("the provider closed the connection after " + transcript);
            }
            transcript.add(line);
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    /** The SMTP server of the reversed session. */
    private final class Reversed {
        private final BufferedReader in;
        private final OutputStream out;
        private final List<CustomerMx.Delivery> deliveries;
        private final List<String> recipients = new ArrayList<>();
        private boolean mailFrom;

        Reversed(BufferedReader in, OutputStream out, List<CustomerMx.Delivery> deliveries) {
            this.in = in;
            this.out = out;
            this.deliveries = deliveries;
        }

        String run() throws IOException {
            send("220 customer.e2e.test ESMTP ready");
            String line;
            while ((line = next()) != null) {
                String verb = (line.length() >= 4 ? line.substring(0, 4) : line).toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO":
                        send(pipelining ? "250-customer.e2e.test\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES"
                            : "250-customer.e2e.test\r\n250 ENHANCEDSTATUSCODES");
                        break;
                    case "HELO":
                        send("250 customer.e2e.test");
                        break;
                    case "MAIL":
                        mailFrom = true;
                        recipients.clear();
                        send("250 2.1.0 OK");
                        break;
                    case "RCPT":
                        rcpt(line);
                        break;
                    case "DATA":
                        if (!data()) {
                            out.flush();
                            return "dropped after " + deliveries.size() + " messages";
                        }
                        break;
                    case "RSET":
                        mailFrom = false;
                        recipients.clear();
                        send("250 2.0.0 OK");
                        break;
                    case "NOOP":
                        send("250 2.0.0 OK");
                        break;
                    case "QUIT":
                        send("221 2.0.0 bye");
                        out.flush();
                        return "QUIT";
                    default:
                        send("502 5.5.2 not implemented");
                }
            }
            return "the provider closed the connection";
        }

        private void rcpt(String line) throws IOException {
            Matcher address = ADDRESS.matcher(line);
            if (!mailFrom || !address.find()) {
                send("503 5.5.1 MAIL first, and RCPT TO:<address>");
                return;
            }
            String refusal = recipientReply.apply(address.group(1));
            if (refusal != null) {
                send(refusal);
                return;
            }
            recipients.add(address.group(1));
            send("250 2.1.5 OK");
        }

        /** DATA to the final dot; false when the connection is to be dropped now. */
        private boolean data() throws IOException {
            if (recipients.isEmpty()) {
                send("554 5.5.1 no valid recipients");
                return true;
            }
            send("354 end with <CRLF>.<CRLF>");
            String messageId = CustomerMx.NO_MESSAGE_ID;
            boolean inHeaders = true;
            String line;
            while ((line = next()) != null && !line.equals(".")) {
                if (line.isEmpty()) {
                    inHeaders = false;
                } else if (inHeaders && line.regionMatches(true, 0, MESSAGE_ID_HEADER, 0, MESSAGE_ID_HEADER.length())) {
                    messageId = line.substring(MESSAGE_ID_HEADER.length()).trim();
                }
            }
            if (line == null) {
                throw new IOException("connection closed during DATA");
            }
            deliveries.add(new CustomerMx.Delivery(messageId, recipients, System.nanoTime(), null, null, List.of()));
            mailFrom = false;
            recipients.clear();
            send("250 2.0.0 accepted");
            return deliveries.size() < dropAfter;
        }

        private void send(String reply) throws IOException {
            if (replyDelayNanos > 0) {
                out.flush();
                try {
                    TimeUnit.NANOSECONDS.sleep(replyDelayNanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
            out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }

        /** The next line; first sends the replies written so far if the provider waits for them (PIPELINING). */
        private String next() throws IOException {
            if (!in.ready()) {
                out.flush();
            }
            return in.readLine();
        }
    }
}
