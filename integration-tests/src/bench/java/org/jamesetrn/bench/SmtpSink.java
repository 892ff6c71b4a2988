package org.jamesetrn.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The customer site's MX for the benchmark: a loopback SMTP server that accepts everything, advertises PIPELINING,
 * stores nothing and only counts (deliveries for the node and for other domains, distinct Message-IDs,
 * connections) and stamps the first and last delivery with {@link System#nanoTime()}. One thread per connection:
 * James opens at most deliveryThreads connections at a time, Postfix at most its destination concurrency.
 */
final class SmtpSink implements AutoCloseable {
    private final int port;
    private final String nodeDomain;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "sink");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;

    private final AtomicLong nodeDeliveries = new AtomicLong();
    private final AtomicLong otherDeliveries = new AtomicLong();
    private final AtomicInteger connections = new AtomicInteger();
    private final Set<String> messageIds = ConcurrentHashMap.newKeySet();
    private final AtomicLong firstNanos = new AtomicLong();
    private final AtomicLong lastNanos = new AtomicLong();

    SmtpSink(int port, String nodeDomain) {
        this.port = port;
        this.nodeDomain = nodeDomain.toLowerCase(Locale.ROOT);
    }

    int port() {
        return port;
    }

    /** Listens (again) on 127.0.0.1:port. */
    synchronized void start() throws IOException {
        if (server != null) {
            return;
        }
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        server = socket;
        threads.execute(() -> accept(socket));
    }

    /** Stops listening and drops open connections: the site is offline, connections are refused. */
    synchronized void stop() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
        for (Socket socket : open) {
            socket.close();
        }
    }

    void reset() {
        nodeDeliveries.set(0);
        otherDeliveries.set(0);
        connections.set(0);
        messageIds.clear();
        firstNanos.set(0);
        lastNanos.set(0);
    }

    long nodeDeliveries() {
        return nodeDeliveries.get();
    }

    long otherDeliveries() {
        return otherDeliveries.get();
    }

    long distinctMessages() {
        return messageIds.size();
    }

    int connections() {
        return connections.get();
    }

    long firstNanos() {
        return firstNanos.get();
    }

    long lastNanos() {
        return lastNanos.get();
    }

    /** Waits until {@code count} node deliveries arrived or the timeout passed; returns whether they did. */
    boolean awaitNodeDeliveries(long count, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (nodeDeliveries.get() < count) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(2);
        }
        return true;
    }

    /** Waits until no delivery arrived for {@code quietMillis}: lets stray deliveries show before counting them. */
    void awaitQuiet(long quietMillis) throws InterruptedException {
        long seen = -1;
        while (true) {
            long now = nodeDeliveries.get() + otherDeliveries.get();
            if (now == seen) {
                return;
            }
            seen = now;
            Thread.sleep(quietMillis);
        }
    }

    @Override
    public void close() throws IOException {
        stop();
        threads.shutdownNow();
    }

    private void accept(ServerSocket socket) {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                connections.incrementAndGet();
                open.add(client);
                threads.execute(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (Socket s = socket) {
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(s.getInputStream(), 65536);
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 8192);
            Session session = new Session(in, out);
            session.run();
        } catch (IOException e) {
            // client went away or the sink stopped: nothing to count
        } finally {
            open.remove(socket);
        }
    }

    /** One SMTP conversation; replies are flushed only when the client has nothing more buffered (PIPELINING). */
    private final class Session {
        private final InputStream in;
        private final OutputStream out;
        private final StringBuilder line = new StringBuilder(256);
        private boolean forNode;
        private boolean forOthers;

        Session(InputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        void run() throws IOException {
            reply("220 sink.test ESMTP benchmark sink");
            while (true) {
                String command = readLine();
                if (command == null) {
                    return;
                }
                String verb = command.length() >= 4 ? command.substring(0, 4).toUpperCase(Locale.ROOT) : command.toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO":
                        reply("250-sink.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES");
                        break;
                    case "MAIL":
                        forNode = false;
                        forOthers = false;
                        reply("250 2.1.0 ok");
                        break;
                    case "RCPT":
                        recipient(command);
                        reply("250 2.1.5 ok");
                        break;
                    case "DATA":
                        reply("354 go ahead");
                        data();
                        reply("250 2.0.0 counted");
                        break;
                    case "QUIT":
                        reply("221 2.0.0 bye");
                        out.flush();
                        return;
                    default:
                        reply("250 ok");
                }
            }
        }

        private void recipient(String command) {
            int at = command.lastIndexOf('@');
            int end = command.indexOf('>', at);
            String domain = at < 0 || end < 0 ? "" : command.substring(at + 1, end).toLowerCase(Locale.ROOT);
            if (domain.equals(nodeDomain)) {
                forNode = true;
            } else {
                forOthers = true;
            }
        }

        private void data() throws IOException {
            boolean headers = true;
            String messageId = null;
            while (true) {
                String text = readLine();
                if (text == null) {
                    throw new IOException("connection closed in DATA");
                }
                if (text.equals(".")) {
                    break;
                }
                if (headers) {
                    if (text.isEmpty()) {
                        headers = false;
                    } else if (text.regionMatches(true, 0, "Message-ID:", 0, 11)) {
                        messageId = text.substring(11).trim();
                    }
                }
            }
            long now = System.nanoTime();
            firstNanos.compareAndSet(0, now);
            lastNanos.accumulateAndGet(now, Math::max);
            if (messageId != null) {
                messageIds.add(messageId);
            }
            if (forNode) {
                nodeDeliveries.incrementAndGet();
            }
            if (forOthers) {
                otherDeliveries.incrementAndGet();
            }
        }

        private void reply(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.write('\r');
            out.write('\n');
        }

        /** Reads one CRLF line; flushes pending replies first when the client sent nothing more. */
        private String readLine() throws IOException {
            if (in.available() == 0) {
                out.flush();
            }
            line.setLength(0);
            while (true) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                if (b == '\n') {
                    int length = line.length();
                    if (length > 0 && line.charAt(length - 1) == '\r') {
                        line.setLength(length - 1);
                    }
                    return line.toString();
                }
                line.append((char) b);
            }
        }
    }
}
