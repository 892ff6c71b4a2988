package org.jamesetrn.kit;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A raw SMTP client session on 127.0.0.1, line by line, as an ETRN client or a mail submitter speaks to a server:
 * text commands, raw bytes (8-bit, NUL, bare CR), a mail with a given Message-ID. Each reply carries the time from
 * the write of its command to its last line, in nanoseconds. JDK only (the benchmark runs it).
 */
public final class SmtpClient implements AutoCloseable {
    /** A complete (possibly multi-line) SMTP reply, and how long it took. */
    public static final class Reply {
        private final List<String> lines;
        private final long nanos;

        Reply(List<String> lines, long nanos) {
            this.lines = List.copyOf(lines);
            this.nanos = nanos;
        }

        public int code() {
            return Integer.parseInt(last().substring(0, 3));
        }

        /** 2xx. */
        public boolean positive() {
            return code() / 100 == 2;
        }

        /** The last line, code included. */
        public String last() {
            return lines.get(lines.size() - 1);
        }

        /** The text of the last line, after the code and separator. */
        public String text() {
            String last = last();
            return last.length() > 4 ? last.substring(4) : "";
        }

        public List<String> lines() {
            return lines;
        }

        /** From the write of the command to the last line of this reply (the greeting: from the connection). */
        public long nanos() {
            return nanos;
        }

        @Override
        public String toString() {
            return String.join(" / ", lines);
        }
    }

    /** Where and how to connect: {@code SmtpClient.to(port).from("127.0.0.2").connect()}. */
    public static final class Connector {
        private final int port;
        private String localAddress;
        private Duration timeout = Duration.ofSeconds(30);

        private Connector(int port) {
            this.port = port;
        }

        /** Connects from this local loopback address (e.g. 127.0.0.2), to play a client in another network. */
        public Connector from(String localAddress) {
            this.localAddress = localAddress;
            return this;
        }

        /** How long to wait for the connection and for each reply (30 s unless set). */
        public Connector timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Connects and reads the greeting. */
        public SmtpClient connect() {
            try {
                Socket socket = new Socket();
                if (localAddress != null) {
                    socket.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
                }
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) timeout.toMillis());
                socket.setSoTimeout((int) timeout.toMillis());
                socket.setTcpNoDelay(true);
                return new SmtpClient(socket);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot connect to 127.0.0.1:" + port, e);
            }
        }
    }

    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;
    private final Reply greeting;

    private SmtpClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        this.out = new BufferedOutputStream(socket.getOutputStream());
        this.greeting = read(System.nanoTime());
    }

    public static Connector to(int port) {
        return new Connector(port);
    }

    /** Connects from 127.0.0.1 with the default timeout. */
    public static SmtpClient connect(int port) {
        return to(port).connect();
    }

    public Reply greeting() {
        return greeting;
    }

    public Reply ehlo() {
        return command("EHLO client.test");
    }

    public Reply etrn(String node) {
        return command("ETRN " + node);
    }

    public Reply command(String line) {
        return rawCommand(line.getBytes(StandardCharsets.US_ASCII));
    }

    /** Sends the bytes as they are, then CRLF: for 8-bit bytes, NUL and bare CR, which {@link #command} cannot send. */
    public Reply rawCommand(byte[] line) {
        long start = System.nanoTime();
        write(line);
        return read(start);
    }

    /** Sends one message (MAIL, RCPT..., DATA) with the given Message-ID; returns the reply to the final dot. */
    public Reply send(String from, List<String> recipients, String messageId) {
        expect(command("MAIL FROM:<" + from + ">"), 250);
        for (String recipient : recipients) {
            expect(command("RCPT TO:<" + recipient + ">"), 250);
        }
        expect(command("DATA"), 354);
        return command("From: <" + from + ">\r\n"
            + "To: " + String.join(", ", recipients) + "\r\n"
            + "Subject: held for ETRN\r\n"
            + "Message-ID: " + messageId + "\r\n"
            + "\r\n"
            + "Delivered when the customer site asks with ETRN.\r\n"
            + ".");
    }

    private static Reply expect(Reply reply, int code) {
        if (reply.code() != code) {
            throw new IllegalStateException("expected " + code + " but got " + reply);
        }
        return reply;
    }

    private void write(byte[] line) {
        try {
            out.write(line);
            out.write('\r');
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Reply read(long start) {
        try {
            List<String> lines = new ArrayList<>();
            String line;
            do {
                line = in.readLine();
                if (line == null) {
                    throw new IOException("connection closed by the server after " + lines);
                }
                lines.add(line);
            } while (line.length() > 3 && line.charAt(3) == '-');
            return new Reply(lines, System.nanoTime() - start);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Says QUIT (without waiting for the answer) and closes the connection. */
    @Override
    public void close() {
        try {
            if (!socket.isClosed()) {
                write("QUIT".getBytes(StandardCharsets.US_ASCII));
            }
        } catch (UncheckedIOException alreadyGone) {
            // the server closed the connection first
        } finally {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing left to release
            }
        }
    }
}
