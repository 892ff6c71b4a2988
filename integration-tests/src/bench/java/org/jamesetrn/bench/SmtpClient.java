package org.jamesetrn.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A minimal SMTP client on one connection that times each command from write to the last line of its reply. */
final class SmtpClient implements AutoCloseable {
    /** A reply and how long it took. */
    static final class Reply {
        final String text;
        final long nanos;

        Reply(String text, long nanos) {
            this.text = text;
            this.nanos = nanos;
        }

        int code() {
            return Integer.parseInt(text.substring(0, 3));
        }

        boolean positive() {
            return text.startsWith("2");
        }

        /** The last line of the reply. */
        String last() {
            int cut = text.lastIndexOf('\n', text.length() - 2);
            return cut < 0 ? text.trim() : text.substring(cut + 1).trim();
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final StringBuilder line = new StringBuilder(256);

    SmtpClient(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(120_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = new BufferedOutputStream(socket.getOutputStream());
        String greeting = readReply();
        if (!greeting.startsWith("220")) {
            throw new IOException("unexpected greeting: " + greeting);
        }
    }

    Reply command(String command) throws IOException {
        long start = System.nanoTime();
        out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String reply = readReply();
        return new Reply(reply, System.nanoTime() - start);
    }

    /** Sends one small mail (no PIPELINING, to stay client-agnostic); returns the final reply. */
    Reply send(String from, String to, String messageId) throws IOException {
        expect(command("MAIL FROM:<" + from + ">"), "MAIL");
        expect(command("RCPT TO:<" + to + ">"), "RCPT");
        Reply data = command("DATA");
        if (!data.text.startsWith("354")) {
            throw new IOException("DATA refused: " + data.text);
        }
        return command("From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: bench\r\nMessage-ID: <" + messageId
            + ">\r\n\r\nDeferred mail for the ETRN benchmark.\r\n.");
    }

    private static void expect(Reply reply, String what) throws IOException {
        if (!reply.positive()) {
            throw new IOException(what + " refused: " + reply.text);
        }
    }

    private String readReply() throws IOException {
        StringBuilder reply = new StringBuilder();
        while (true) {
            String text = readLine();
            reply.append(text).append('\n');
            if (text.length() < 4 || text.charAt(3) != '-') {
                return reply.toString();
            }
        }
    }

    private String readLine() throws IOException {
        line.setLength(0);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed");
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

    @Override
    public void close() throws IOException {
        try {
            command("QUIT");
        } catch (IOException e) {
            // closing anyway
        }
        socket.close();
    }
}
