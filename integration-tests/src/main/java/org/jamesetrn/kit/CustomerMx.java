package org.jamesetrn.kit;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The customer site's mail server, where a relay delivers once the site asks with ETRN: a plain SMTP server
 * (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; PIPELINING) on a loopback port that records every message it
 * accepts (Message-ID, envelope recipients, arrival on the {@link System#nanoTime()} clock) and counts the
 * connections it accepts. "Down" means not listening: {@link #stop()} closes the port and cuts the sessions in
 * progress, {@link #start()} listens on the same port again. One thread per connection; it stores no message body,
 * so it keeps up with a relay's 10,000 deliveries in a benchmark.
 *
 * <p>JDK only and self-contained (no other class of the project), so that it also runs on its own as the sink of the
 * README walk-through: {@code java integration-tests/src/main/java/org/jamesetrn/kit/CustomerMx.java 2526}.
 *
 * <p>Each command is answered in {@link Session#answer}: the one place where a site that answers late, stalls or
 * refuses temporarily would change its replies. {@link #answerLate} makes every reply wait (a site across a real
 * network: each SMTP round trip costs that much), and the MX records how many connections were open at once
 * ({@link #mostSimultaneousConnections}): how hard a relay hits a site that just came back.
 */
public final class CustomerMx implements AutoCloseable {
    /**
     * One accepted message: its Message-ID header, its envelope recipients, when its final dot arrived, and for a
     * delivery status notification (RFC 3464) its first {@code Action:} field (failed, delayed...).
     */
    public static final class Delivery {
        private final String messageId;
        private final List<String> recipients;
        private final long nanos;
        private final String dsnAction;
        private final String originalMessageId;
        private final List<String> dsnRecipients;

        Delivery(String messageId, List<String> recipients, long nanos, String dsnAction, String originalMessageId,
                 List<String> dsnRecipients) {
            this.messageId = messageId;
            this.recipients = Collections.unmodifiableList(new ArrayList<>(recipients));
            this.nanos = nanos;
            this.dsnAction = dsnAction;
            this.originalMessageId = originalMessageId;
            this.dsnRecipients = Collections.unmodifiableList(new ArrayList<>(dsnRecipients));
        }

        /** For a DSN, the recipients it reports on (its {@code Final-Recipient} fields, RFC 3464), lower case. */
        public List<String> dsnRecipients() {
            return dsnRecipients;
        }

        /** The DSN's action (lower case) when the message is a delivery status notification; empty otherwise. */
        public Optional<String> dsnAction() {
            return Optional.ofNullable(dsnAction);
        }

        /** For a DSN that returns the original message (or its headers), that message's Message-ID. */
        public Optional<String> originalMessageId() {
            return dsnAction().flatMap(action -> Optional.ofNullable(originalMessageId));
        }

        public String messageId() {
            return messageId;
        }

        public List<String> recipients() {
            return recipients;
        }

        /** When the message was accepted, on the {@link System#nanoTime()} clock. */
        public long nanos() {
            return nanos;
        }

        @Override
        public String toString() {
            return messageId + " -> " + recipients;
        }
    }

    /** The per-recipient field of a delivery status notification (RFC 3464 section 2.3.3). */
    private static final String DSN_ACTION = "Action:";
    /** The recipient a DSN's per-recipient fields are about (RFC 3464 section 2.3.2): {@code rfc822; address}. */
    private static final String DSN_FINAL_RECIPIENT = "Final-Recipient:";

    /** The Message-ID recorded for a message without that header. */
    public static final String NO_MESSAGE_ID = "<none>";

    private static final Pattern ADDRESS = Pattern.compile("<([^>]*)>");
    private static final String MESSAGE_ID_HEADER = "Message-ID:";

    private final int port;
    private final boolean verbose;
    private final ExecutorService threads = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "customer-mx");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket listener;

    // What arrived since the last forget().
    private final Queue<Delivery> deliveries = new ConcurrentLinkedQueue<>();
    private final Map<String, LongAdder> deliveriesByDomain = new ConcurrentHashMap<>();
    private final Set<String> distinctMessageIds = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    /** When set, every connection gets this greeting and is closed (a site that is down for now but answers). */
    private volatile String refusal;
    /** When set, connections are accepted and never answered (a site that stalls). */
    private volatile boolean stalling;
    /** How long each reply waits before it is sent. */
    private volatile long replyDelayNanos;
    /** How each RCPT TO is answered (null: 250), by address and attempt. */
    private volatile RecipientReplies recipientReplies = (address, attempt) -> null;
    /** RCPT TO commands seen per address (lower case) since the last forget(): the attempt number of the next one. */
    private final Map<String, AtomicInteger> rcptAttempts = new ConcurrentHashMap<>();
    /** How long the 250 to a message's final dot waits, and whether only for a Message-ID's first copy. */
    private volatile long dataStallNanos;
    private volatile boolean stallFirstCopyOnly;
    private final Set<String> stalledOnce = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger stallsStarted = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicInteger mostSimultaneous = new AtomicInteger();
    private final AtomicLong firstNanos = new AtomicLong();
    private final AtomicLong lastNanos = new AtomicLong();

    /** A site MX for 127.0.0.1:port, down until {@link #start()}. */
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

    /** How long {@link #start()} waits for its port to be free again. */
    private static final Duration REBIND = Duration.ofSeconds(10);

    public int port() {
        return port;
    }

    /** Listens (again) on 127.0.0.1:port: the site is up. */
    public synchronized CustomerMx start() {
        if (listener != null) {
            return this;
        }
        ServerSocket socket = bind();
        listener = socket;
        threads.execute(() -> accept(socket));
        return this;
    }

    /**
     * Binds the port, waiting up to {@link #REBIND} while it is still taken: right after {@link #stop()} the port has
     * been refused for a moment (twice in a few hundred test runs, "Address already in use" with SO_REUSEADDR set;
     * the holder was not found), which made a test fail before it began.
     */
    private ServerSocket bind() {
        long deadline = System.nanoTime() + REBIND.toNanos();
        while (true) {
            ServerSocket socket = null;
            try {
                socket = new ServerSocket();
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return socket;
            } catch (IOException e) {
                closeQuietly(socket);
                if (!(e instanceof BindException) || System.nanoTime() > deadline) {
                    throw new UncheckedIOException("cannot listen on port " + port, e);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new UncheckedIOException("cannot listen on port " + port, e);
                }
            }
        }
    }

    private static void closeQuietly(ServerSocket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // it was never listening
            }
        }
    }

    /**
     * Closes the port and cuts the sessions in progress: the site is down (connections are refused). A message
     * whose final dot had not been answered is not accepted.
     */
    public synchronized void stop() {
        try {
            if (listener != null) {
                listener.close();
                listener = null;
            }
            for (Socket socket : open) {
                socket.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
        threads.shutdownNow();
    }

    /** From now on every connection is answered with {@code greeting} (e.g. a 421) and closed: counted, no mail taken. */
    public CustomerMx refuse(String greeting) {
        refusal = greeting;
        return this;
    }

    /** From now on connections are accepted and never answered, until {@link #stop()} cuts them. */
    public CustomerMx stall() {
        stalling = true;
        return this;
    }

    /** Back to a working SMTP server after {@link #refuse} or {@link #stall}. */
    public CustomerMx answer() {
        refusal = null;
        stalling = false;
        return this;
    }

    /**
     * Back to a site that answers everything at once: {@link #answer()}, and no more per-recipient replies
     * ({@link #answerRecipients}), no more stall before accepting, no late replies.
     */
    public CustomerMx reset() {
        answer();
        recipientReplies = (address, attempt) -> null;
        dataStallNanos = 0;
        replyDelayNanos = 0;
        return this;
    }

    /**
     * From now on every reply (greeting included) is sent {@code delay} after the command it answers was read, as if
     * the site were that many milliseconds of round trip away; {@link Duration#ZERO} answers at once again.
     */
    public CustomerMx answerLate(Duration delay) {
        replyDelayNanos = delay.toNanos();
        return this;
    }

    /**
     * How the site answers RCPT TO: the reply to the {@code attempt}-th RCPT TO for {@code address} (lower case; 1 for
     * the first since the last {@link #forget()}), or null for {@code 250}. A 4xx or 5xx reply refuses that recipient
     * only: the message goes to the others (a site's greylisting, a full mailbox, an unknown user).
     */
    @FunctionalInterface
    public interface RecipientReplies {
        String reply(String address, int attempt);
    }

    /** From now on RCPT TO is answered by {@code replies} (see {@link RecipientReplies}); {@link #reset()} resets it. */
    public CustomerMx answerRecipients(RecipientReplies replies) {
        recipientReplies = replies;
        return this;
    }

    /**
     * From now on the n-th RCPT TO for {@code address} gets the n-th of {@code replies}, and 250 once they are used up:
     * {@code answerRecipient("late@held.test", "452 4.2.1 greylisted")} refuses the first attempt only. Other addresses
     * keep the answers set before.
     */
    public CustomerMx answerRecipient(String address, String... replies) {
        String wanted = address.toLowerCase(Locale.ROOT);
        RecipientReplies before = recipientReplies;
        recipientReplies = (rcpt, attempt) -> !rcpt.equals(wanted) ? before.reply(rcpt, attempt)
            : attempt <= replies.length ? replies[attempt - 1] : null;
        return this;
    }

    /** From now on every RCPT TO for {@code address} gets {@code reply} (e.g. 550 5.1.1 for an unknown user). */
    public CustomerMx refuseRecipient(String address, String reply) {
        String wanted = address.toLowerCase(Locale.ROOT);
        RecipientReplies before = recipientReplies;
        recipientReplies = (rcpt, attempt) -> rcpt.equals(wanted) ? reply : before.reply(rcpt, attempt);
        return this;
    }

    /** How many RCPT TO commands named this address since the last {@link #forget()}. */
    public int rcptAttempts(String address) {
        AtomicInteger attempts = rcptAttempts.get(address.toLowerCase(Locale.ROOT));
        return attempts == null ? 0 : attempts.get();
    }

    /**
     * From now on the 250 to each message's final dot comes {@code delay} after the dot (a large message on a slow
     * link, a site that scans before it answers); the message counts as accepted when the 250 is sent, and not at all
     * if the MX is stopped meanwhile. {@link Duration#ZERO} answers at once again.
     */
    public CustomerMx stallBeforeAccepting(Duration delay) {
        stallFirstCopyOnly = false;
        dataStallNanos = delay.toNanos();
        return this;
    }

    /** The same as {@link #stallBeforeAccepting}, but only for the first copy of each Message-ID that arrives. */
    public CustomerMx stallBeforeAcceptingFirstCopy(Duration delay) {
        stallFirstCopyOnly = true;
        dataStallNanos = delay.toNanos();
        return this;
    }

    /** How many messages had their 250 held back by {@link #stallBeforeAccepting} so far (a stall under way counts). */
    public int stallsStarted() {
        return stallsStarted.get();
    }

    /** Forgets every delivery and connection seen so far. */
    public void forget() {
        deliveries.clear();
        deliveriesByDomain.clear();
        distinctMessageIds.clear();
        rcptAttempts.clear();
        stalledOnce.clear();
        stallsStarted.set(0);
        connections.set(0);
        mostSimultaneous.set(open.size());
        firstNanos.set(0);
        lastNanos.set(0);
    }

    /** The accepted messages, in the order they arrived. */
    public List<Delivery> deliveries() {
        return new ArrayList<>(deliveries);
    }

    public List<String> messageIds() {
        return deliveries.stream().map(Delivery::messageId).collect(Collectors.toList());
    }

    /** Message-IDs received for recipients in exactly this domain. */
    public List<String> messageIdsFor(String domain) {
        String wanted = domain.toLowerCase(Locale.ROOT);
        return deliveries.stream()
            .filter(delivery -> delivery.recipients().stream().anyMatch(rcpt -> domainOf(rcpt).equals(wanted)))
            .map(Delivery::messageId)
            .collect(Collectors.toList());
    }

    /** Messages accepted. */
    public long deliveryCount() {
        return deliveries.size();
    }

    /** Messages accepted with a recipient in exactly this domain (kept as a counter: cheap to poll). */
    public long deliveryCount(String domain) {
        LongAdder count = deliveriesByDomain.get(domain.toLowerCase(Locale.ROOT));
        return count == null ? 0 : count.sum();
    }

    /** Distinct Message-IDs among the accepted messages: fewer than {@link #deliveryCount()} means duplicates. */
    public long distinctMessageIds() {
        return distinctMessageIds.size();
    }

    /** Connections accepted. */
    public int connections() {
        return connections.get();
    }

    /** The largest number of connections open at the same time since the last {@link #forget()}. */
    public int mostSimultaneousConnections() {
        return mostSimultaneous.get();
    }

    /** When the first message was accepted ({@link System#nanoTime()}), 0 if none was. */
    public long firstDeliveryNanos() {
        return firstNanos.get();
    }

    /** When the last message was accepted ({@link System#nanoTime()}), 0 if none was. */
    public long lastDeliveryNanos() {
        return lastNanos.get();
    }

    private static String domainOf(String address) {
        return address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }

    private void accept(ServerSocket socket) {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                connections.incrementAndGet();
                open.add(client);
                mostSimultaneous.accumulateAndGet(open.size(), Math::max);
                threads.execute(() -> serve(client, socket));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client, ServerSocket acceptedBy) {
        try (Socket socket = client) {
            socket.setTcpNoDelay(true);
            BufferedReader in = new BufferedReader(
                new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1), 65536);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 8192);
            new Session(socket, in, out, acceptedBy).run();
        } catch (IOException cut) {
            // The client went away or the MX was stopped mid-session: nothing more is accepted.
        } finally {
            open.remove(client);
        }
    }

    private void record(String messageId, List<String> recipients, String dsnAction, String originalMessageId,
                        List<String> dsnRecipients) {
        long now = System.nanoTime();
        deliveries.add(new Delivery(messageId, recipients, now, dsnAction, originalMessageId, dsnRecipients));
        distinctMessageIds.add(messageId);
        Set<String> domains = recipients.stream().map(CustomerMx::domainOf).collect(Collectors.toCollection(LinkedHashSet::new));
        for (String domain : domains) {
            deliveriesByDomain.computeIfAbsent(domain, key -> new LongAdder()).increment();
        }
        firstNanos.compareAndSet(0, now);
        lastNanos.accumulateAndGet(now, Math::max);
        if (verbose) {
            System.out.println("received " + messageId + " for " + recipients);
        }
    }

    /** One SMTP conversation; replies are flushed when the client has sent nothing more (PIPELINING). */
    private final class Session {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;
        private final ServerSocket acceptedBy;
        private final List<String> recipients = new ArrayList<>();
        private boolean mailFrom;

        Session(Socket socket, BufferedReader in, OutputStream out, ServerSocket acceptedBy) {
            this.socket = socket;
            this.in = in;
            this.out = out;
            this.acceptedBy = acceptedBy;
        }

        void run() throws IOException {
            if (stalling) {
                while (readLine() != null) {
                    // never answer
                }
                return;
            }
            String refused = refusal;
            if (refused != null) {
                reply(refused);
                out.flush();
                return;
            }
            reply("220 customer-mx.test ESMTP");
            String line;
            while ((line = readLine()) != null) {
                String reply = answer(line);
                if (reply == null) {
                    return;
                }
                reply(reply);
                if (reply.startsWith("221")) {
                    out.flush();
                    return;
                }
            }
        }

        /** The reply to one command line; null ends the session without a reply. */
        private String answer(String line) throws IOException {
            String verb = (line.length() >= 4 ? line.substring(0, 4) : line).toUpperCase(Locale.ROOT);
            switch (verb) {
                case "EHLO":
                    return "250-customer-mx.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES";
                case "HELO":
                    return "250 customer-mx.test";
                case "MAIL":
                    mailFrom = true;
                    recipients.clear();
                    return "250 2.1.0 OK";
                case "RCPT":
                    Matcher address = ADDRESS.matcher(line);
                    if (!mailFrom || !address.find()) {
                        return "503 5.5.1 MAIL first, and RCPT TO:<address>";
                    }
                    String rcpt = address.group(1);
                    int attempt = rcptAttempts.computeIfAbsent(rcpt.toLowerCase(Locale.ROOT), any -> new AtomicInteger())
                        .incrementAndGet();
                    String refused = recipientReplies.reply(rcpt.toLowerCase(Locale.ROOT), attempt);
                    if (refused != null && !refused.startsWith("2")) {
                        return refused;
                    }
                    recipients.add(rcpt);
                    return "250 2.1.5 OK";
                case "DATA":
                    if (recipients.isEmpty()) {
                        return "503 5.5.1 RCPT first";
                    }
                    reply("354 end with <CRLF>.<CRLF>");
                    List<String> dsnRecipients = new ArrayList<>();
                    String[] message = readMessage(dsnRecipients);
                    stallBeforeThe250(message[0]);
                    if (acceptedBy.isClosed()) {
                        return null; // stopped while receiving: the message is not accepted
                    }
                    record(message[0], recipients, message[1], message[2], dsnRecipients);
                    mailFrom = false;
                    recipients.clear();
                    return "250 2.0.0 accepted";
                case "RSET":
                    mailFrom = false;
                    recipients.clear();
                    return "250 2.0.0 OK";
                case "NOOP":
                    return "250 2.0.0 OK";
                case "QUIT":
                    return "221 2.0.0 bye";
                default:
                    return "502 5.5.2 not implemented";
            }
        }

        /**
         * Reads the message up to the final dot; returns its Message-ID header, its DSN action (or null) and the first
         * Message-ID in its body (a DSN's returned message, or null).
         */
        private String[] readMessage(List<String> dsnRecipients) throws IOException {
            String messageId = NO_MESSAGE_ID;
            String dsnAction = null;
            String bodyMessageId = null;
            boolean inHeaders = true;
            String line;
            while ((line = readLine()) != null && !line.equals(".")) {
                if (line.isEmpty()) {
                    inHeaders = false;
                } else if (inHeaders && line.regionMatches(true, 0, MESSAGE_ID_HEADER, 0, MESSAGE_ID_HEADER.length())) {
                    messageId = line.substring(MESSAGE_ID_HEADER.length()).trim();
                } else if (!inHeaders && line.regionMatches(true, 0, DSN_FINAL_RECIPIENT, 0, DSN_FINAL_RECIPIENT.length())) {
                    String field = line.substring(DSN_FINAL_RECIPIENT.length());
                    dsnRecipients.add(field.substring(field.indexOf(';') + 1).trim().toLowerCase(Locale.ROOT));
                } else if (!inHeaders && dsnAction == null && line.regionMatches(true, 0, DSN_ACTION, 0, DSN_ACTION.length())) {
                    dsnAction = line.substring(DSN_ACTION.length()).trim().toLowerCase(Locale.ROOT);
                } else if (!inHeaders && bodyMessageId == null
                    && line.regionMatches(true, 0, MESSAGE_ID_HEADER, 0, MESSAGE_ID_HEADER.length())) {
                    bodyMessageId = line.substring(MESSAGE_ID_HEADER.length()).trim();
                }
            }
            if (line == null) {
                throw new IOException("connection closed during DATA");
            }
            return new String[] {messageId, dsnAction, bodyMessageId};
        }

        /**
         * Waits as {@link #stallBeforeAccepting} says, or until the MX is stopped. A client that hangs up meanwhile never
         * got its 250: the message is not accepted (a site that commits a message as it answers for it).
         */
        private void stallBeforeThe250(String messageId) throws IOException {
            long stall = dataStallNanos;
            if (stall <= 0 || (stallFirstCopyOnly && !stalledOnce.add(messageId))) {
                return;
            }
            out.flush();
            stallsStarted.incrementAndGet();
            long deadline = System.nanoTime() + stall;
            int timeout = socket.getSoTimeout();
            try {
                while (System.nanoTime() - deadline < 0 && !acceptedBy.isClosed()) {
                    socket.setSoTimeout((int) Math.max(1, Math.min(50, (deadline - System.nanoTime()) / 1_000_000)));
                    try {
                        if (in.read() < 0) {
                            throw new IOException("the client hung up before the 250");
                        }
                    } catch (java.net.SocketTimeoutException waiting) {
                        // nothing from the client, as expected: it waits for the reply
                    }
                }
            } finally {
                if (!socket.isClosed()) {
                    socket.setSoTimeout(timeout);
                }
            }
        }

        private void reply(String reply) throws IOException {
            long delay = replyDelayNanos;
            if (delay > 0) {
                out.flush();
                try {
                    TimeUnit.NANOSECONDS.sleep(delay); // the round trip of a site far away
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
            out.write(reply.getBytes(StandardCharsets.US_ASCII));
            out.write('\r');
            out.write('\n');
        }

        /** The next line; first sends the replies written so far if the client is waiting for them. */
        private String readLine() throws IOException {
            if (!in.ready()) {
                out.flush();
            }
            return in.readLine();
        }
    }
}
