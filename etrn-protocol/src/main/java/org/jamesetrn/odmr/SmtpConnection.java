package org.jamesetrn.odmr;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One SMTP connection as ODMR uses it on both sides, blocking: lines of at most {@link #MAX_LINE} octets ended by
 * CRLF (a bare LF is accepted), replies read whole, and STARTTLS layered on the same socket. The session keeps this
 * object across the turnaround of RFC 2645: TLS, once started, stays for the reversed SMTP session.
 */
public final class SmtpConnection implements Closeable {
    /** RFC 5321 section 4.5.3.1.5: a text line is at most 1000 octets with its CRLF. */
    public static final int MAX_LINE = 1000;
    /** More continuation lines than this in one reply is not SMTP. */
    private static final int MAX_REPLY_LINES = 200;

    /** A line longer than {@link #MAX_LINE}: the rest of it was read and dropped. */
    public static final class LineTooLongException extends IOException {
        LineTooLongException() {
            super("line longer than " + MAX_LINE + " octets");
        }
    }

    /** What came was not an SMTP reply. */
    public static final class MalformedReplyException extends IOException {
        MalformedReplyException(String what) {
            super("not an SMTP reply: " + Printable.clean(what));
        }
    }

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    public SmtpConnection(Socket socket) throws IOException {
        attach(socket);
    }

    private void attach(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 16384);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 16384);
    }

    public Socket socket() {
        return socket;
    }

    public InetSocketAddress remote() {
        return (InetSocketAddress) socket.getRemoteSocketAddress();
    }

    public boolean tls() {
        return socket instanceof SSLSocket;
    }

    /** The read timeout of every following read (each line, each reply). */
    public SmtpConnection timeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
        return this;
    }

    /** The raw streams, for what is not line by line: a message's content, the customer's relay of the turnaround. */
    public InputStream input() {
        return in;
    }

    public OutputStream output() {
        return out;
    }

    /**
     * The next line without its CRLF, decoded as ISO-8859-1 (so that 8-bit octets stay visible); null at the end of
     * the stream. A line too long is read to its end and refused with {@link LineTooLongException}.
     */
    public String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        boolean tooLong = false;
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                if (tooLong) {
                    throw new LineTooLongException();
                }
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            if (line.size() >= MAX_LINE) {
                tooLong = true;
            } else {
                line.write(b);
            }
        }
        if (line.size() == 0 && !tooLong) {
            return null;
        }
        throw new EOFException("connection closed in the middle of a line");
    }

    /** A whole reply (its continuation lines too); {@link EOFException} when the peer closed the connection first. */
    public SmtpReply readReply() throws IOException {
        List<String> lines = new ArrayList<>();
        int code = -1;
        while (true) {
            String line = readLine();
            if (line == null) {
                throw new EOFException(lines.isEmpty() ? "connection closed" : "connection closed inside a reply");
            }
            if (line.length() < 3 || !isCode(line) || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
                throw new MalformedReplyException(line);
            }
            int lineCode = Integer.parseInt(line.substring(0, 3));
            if (code != -1 && lineCode != code) {
                throw new MalformedReplyException(line);
            }
            code = lineCode;
            lines.add(line);
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return SmtpReply.of(code, lines);
            }
            if (lines.size() >= MAX_REPLY_LINES) {
                throw new MalformedReplyException("more than " + MAX_REPLY_LINES + " lines in one reply");
            }
        }
    }

    private static boolean isCode(String line) {
        return line.charAt(0) >= '1' && line.charAt(0) <= '5' && Character.isDigit(line.charAt(1))
            && Character.isDigit(line.charAt(2));
    }

    /** Writes the line and CRLF, not flushed (several commands or reply lines go out together). */
    public SmtpConnection write(String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.ISO_8859_1));
        out.write('\r');
        out.write('\n');
        return this;
    }

    public SmtpConnection flush() throws IOException {
        out.flush();
        return this;
    }

    /** Writes and flushes one reply or command. */
    public SmtpConnection send(String line) throws IOException {
        return write(line).flush();
    }

    /** Whether the peer has sent more than was read: after STARTTLS, plain text that must not be taken as encrypted. */
    public boolean hasBufferedInput() throws IOException {
        return in.available() > 0;
    }

    /**
     * Replaces the plain socket by a TLS one over it (RFC 3207), as the server ({@code serverName} null) or as a
     * client checking that the peer's certificate names {@code serverName}; the handshake happens here.
     */
    public SmtpConnection startTls(SSLContext context, String serverName, boolean clientMode) throws IOException {
        InetSocketAddress remote = remote();
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket,
            clientMode ? serverName : remote.getHostString(), remote.getPort(), true);
        tls.setUseClientMode(clientMode);
        if (clientMode) {
            SSLParameters parameters = tls.getSSLParameters();
            // The JDK checks the chain by default, not the name: the same check as HTTPS (RFC 6125).
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(parameters);
        }
        tls.setSoTimeout(socket.getSoTimeout());
        tls.startHandshake();
        attach(tls);
        return this;
    }

    /** Whether a read failed because the peer said nothing for the whole timeout. */
    public static boolean isTimeout(IOException e) {
        return e instanceof SocketTimeoutException;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closed all the same
        }
    }
}
