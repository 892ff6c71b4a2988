package org.jamesetrn.kit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Mail as it arrives at a busy relay: {@code mails} messages over {@code sessions} SMTP sessions at once, each session
 * sending its share back to back (MAIL, RCPT, DATA, the next). What counts is the reply to the final dot: a 250 is a
 * promise (the message is acknowledged), anything else (a 4xx, a dropped connection) leaves the message with its
 * sender, who sends it again later ({@link #resend}). Each message has one recipient, {@code <id>@<domain>}, and the
 * Message-ID {@code <id@burst.test>}. The end-to-end tests and the benchmark send their bursts with it. JDK only.
 */
public final class Burst {
    public static final String SENDER = "burst@sender.test";

    /** One message: its Message-ID and its recipient. */
    public static final class Message {
        private final String messageId;
        private final String recipient;

        Message(String messageId, String recipient) {
            this.messageId = messageId;
            this.recipient = recipient;
        }

        public String messageId() {
            return messageId;
        }

        public String recipient() {
            return recipient;
        }

        @Override
        public String toString() {
            return messageId + " -> " + recipient;
        }
    }

    /** What a burst left: the acknowledged messages, the others, and when the first was sent and the last acknowledged. */
    public static final class Result {
        private final List<Message> acknowledged;
        private final List<Message> refused;
        private final long startNanos;
        private final long lastAcknowledgedNanos;

        Result(List<Message> acknowledged, List<Message> refused, long startNanos, long lastAcknowledgedNanos) {
            this.acknowledged = List.copyOf(acknowledged);
            this.refused = List.copyOf(refused);
            this.startNanos = startNanos;
            this.lastAcknowledgedNanos = lastAcknowledgedNanos;
        }

        public List<Message> acknowledged() {
            return acknowledged;
        }

        public List<String> acknowledgedIds() {
            List<String> ids = new ArrayList<>();
            acknowledged.forEach(message -> ids.add(message.messageId()));
            return ids;
        }

        /** Not acknowledged: the sender still has them. */
        public List<Message> refused() {
            return refused;
        }

        /** From the first MAIL to the last 250 (zero if none). */
        public Duration elapsed() {
            return Duration.ofNanos(Math.max(0, lastAcknowledgedNanos - startNanos));
        }

        /** Acknowledged messages per second over {@link #elapsed()}. */
        public double acceptedPerSecond() {
            long nanos = lastAcknowledgedNanos - startNanos;
            return nanos <= 0 ? 0 : acknowledged.size() * 1e9 / nanos;
        }

        /** The {@link System#nanoTime()} of the last 250. */
        public long lastAcknowledgedNanos() {
            return lastAcknowledgedNanos;
        }
    }

    private final int mails;
    private final int sessions;
    private final IntFunction<String> domainOf;
    private final AtomicInteger acknowledgedSoFar = new AtomicInteger();

    private Burst(int mails, int sessions, IntFunction<String> domainOf) {
        this.mails = mails;
        this.sessions = sessions;
        this.domainOf = domainOf;
    }

    /** {@code mails} messages over {@code sessions} sessions; message i is for a recipient in {@code domainOf(i)}. */
    public static Burst of(int mails, int sessions, IntFunction<String> domainOf) {
        return new Burst(mails, sessions, domainOf);
    }

    /** How many 250s so far (while {@link #sendTo} runs in another thread). */
    public int acknowledgedSoFar() {
        return acknowledgedSoFar.get();
    }

    /**
     * Sends the burst and returns when every session is done. Session s connects to {@code smtpPorts[s % length]}; a
     * session whose connection fails connects again for its next message (after a 100 ms pause).
     */
    public Result sendTo(int... smtpPorts) {
        List<List<Message>> shares = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            shares.add(new ArrayList<>());
        }
        for (int i = 0; i < mails; i++) {
            String id = UUID.randomUUID().toString();
            shares.get(i % sessions).add(new Message("<" + id + "@burst.test>", id + "@" + domainOf.apply(i)));
        }
        ConcurrentLinkedQueue<Message> acknowledged = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Message> refused = new ConcurrentLinkedQueue<>();
        AtomicLong lastAcknowledged = new AtomicLong();
        ExecutorService threads = Executors.newFixedThreadPool(sessions, task -> {
            Thread thread = new Thread(task, "burst-session");
            thread.setDaemon(true);
            return thread;
        });
        long start = System.nanoTime();
        try {
            List<CompletableFuture<Void>> running = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                int port = smtpPorts[s % smtpPorts.length];
                List<Message> share = shares.get(s);
                running.add(CompletableFuture.runAsync(() -> session(port, share, acknowledged, refused, lastAcknowledged), threads));
            }
            running.forEach(CompletableFuture::join);
        } finally {
            threads.shutdownNow();
        }
        return new Result(new ArrayList<>(acknowledged), new ArrayList<>(refused), start, lastAcknowledged.get());
    }

    private void session(int port, List<Message> share, ConcurrentLinkedQueue<Message> acknowledged,
                         ConcurrentLinkedQueue<Message> refused, AtomicLong lastAcknowledged) {
        SmtpClient client = null;
        try {
            for (Message message : share) {
                try {
                    if (client == null) {
                        client = SmtpClient.connect(port);
                        client.ehlo();
                    }
                    SmtpClient.Reply reply = client.send(SENDER, List.of(message.recipient()), message.messageId());
                    if (reply.code() == 250) {
                        acknowledged.add(message);
                        acknowledgedSoFar.incrementAndGet();
                        lastAcknowledged.accumulateAndGet(System.nanoTime(), Math::max);
                    } else {
                        refused.add(message);
                        client.command("RSET");
                    }
                } catch (RuntimeException e) {
                    // A refused MAIL or RCPT, a dropped connection, a server that is gone: not acknowledged.
                    refused.add(message);
                    closeQuietly(client);
                    client = null;
                    pause();
                }
            }
        } finally {
            closeQuietly(client);
        }
    }

    /**
     * Sends these messages again, one session, as their sender's MTA does after a 4xx, until the first refusal (then
     * it leaves the rest for its next run, as an MTA does with a host that defers); returns those acknowledged now.
     */
    public static List<Message> resend(int smtpPort, List<Message> messages) {
        List<Message> acknowledged = new ArrayList<>();
        try (SmtpClient client = SmtpClient.connect(smtpPort)) {
            client.ehlo();
            for (Message message : messages) {
                if (client.send(SENDER, List.of(message.recipient()), message.messageId()).code() != 250) {
                    break;
                }
                acknowledged.add(message);
            }
        } catch (RuntimeException refused) {
            // a refused MAIL or RCPT, a dropped connection: the rest waits for the next run
        }
        return Collections.unmodifiableList(acknowledged);
    }

    private static void closeQuietly(SmtpClient client) {
        if (client != null) {
            try {
                client.close();
            } catch (RuntimeException alreadyGone) {
                // nothing to close
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100); // a dropped connection: the sender waits before it connects again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
