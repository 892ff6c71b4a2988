package org.jamesetrn.e2e;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A raw SMTP client session, line by line, as an ETRN client or a mail submitter speaks to James. */
public final class SmtpClient implements Closeable {
    /** A complete (possibly multi-line) SMTP reply. */
    public static final class Reply {
        private final int code;
        private final List<String> lines;

        Reply(int code, List<String> lines) {
            this.code = code;
            this.lines = lines;
        }

        public int code() {
            return code;
        }

        /** The text of the last line, after the code and separator. */
        public String text() {
            String last = lines.get(lines.size() - 1);
            return last.length() > 4 ? last.substring(4) : "";
        }

        public List<String> lines() {
            return lines;
        }

        @Override
        public String toString() {
            return String.join(" / ", lines);
        }
    }

    private static final int TIMEOUT_MILLIS = 30_000;

    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;
    private final Reply greeting;

    private SmtpClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
        this.out = socket.getOutputStream();
        this.greeting = read();
    }

    public static SmtpClient connect(int port) {
        return connect(port, Optional.empty());
    }

    /** Connects from the given local loopback address (e.g. 127.0.0.2), to play a client in another network. */
    public static SmtpClient connect(int port, Optional<String> localAddress) {
        try {
            Socket socket = new Socket();
            if (localAddress.isPresent()) {
                socket.bind(new InetSocketAddress(InetAddress.getByName(localAddress.get()), 0));
            }
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            return new SmtpClient(socket);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to 127.0.0.1:" + port, e);
        }
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
        write(line);
        return read();
    }

    /** Sends the bytes as they are, then CRLF: for 8-bit bytes, NUL and bare CR, which {@link #command} cannot send. */
    public Reply rawCommand(byte[] line) {
        try {
            out.write(line);
            out.write(new byte[] {'\r', '\n'});
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return read();
    }

    /** Sends one message (MAIL, RCPT..., DATA) with the given Message-ID; returns the reply to the final dot. */
    public Reply send(String from, List<String> recipients, String messageId) {
        expect(command("MAIL FROM:<" + from + ">"), 250);
        for (String recipient : recipients) {
            expect(command("RCPT TO:<" + recipient + ">"), 250);
        }
        expect(command("DATA"), 354);
        write("From: <" + from + ">\r\n"
            + "To: " + String.join(", ", recipients) + "\r\n"
            + "Subject: held for ETRN\r\n"
            + "Message-ID: " + messageId + "\r\n"
            + "\r\n"
            + "Delivered when the customer site asks with ETRN.\r\n"
            + ".");
        return read();
    }

    private static Reply expect(Reply reply, int code) {
        if (reply.code() != code) {
            throw new IllegalStateException("expected " + code + " but got " + reply);
        }
        return reply;
    }

    private void write(String line) {
        try {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Reply read() {
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
            return new Reply(Integer.parseInt(line.substring(0, 3)), lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            if (!socket.isClosed()) {
                write("QUIT");
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
