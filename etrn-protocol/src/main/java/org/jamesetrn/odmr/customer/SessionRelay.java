package org.jamesetrn.odmr.customer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.jamesetrn.odmr.SmtpConnection;

/**
 * The turnaround on the customer's side, as fetchmail does it: after the provider's 250 to ATRN, the bytes of the
 * provider's connection and of a connection to this James's own SMTP server are copied both ways until either side
 * closes; this James greets, answers and stores the mail with every mailet it has. One thread per direction; the
 * session is cut when neither side said anything for the idle timeout.
 */
final class SessionRelay {
    private static final int BUFFER = 16384;

    private final SmtpConnection provider;
    private final Socket local;
    private final Duration idle;
    private final Transcript transcript = new Transcript();
    private final AtomicLong lastActivity = new AtomicLong(System.nanoTime());
    private final AtomicReference<String> end = new AtomicReference<>();

    SessionRelay(SmtpConnection provider, Socket local, Duration idle) {
        this.provider = provider;
        this.local = local;
        this.idle = idle;
    }

    /** Relays until the session ends; the transcript, and why it ended unless the provider said QUIT and got 221. */
    Transcript relay() throws InterruptedException {
        Thread toProvider = new Thread(() -> copy(local, provider.output(), false), "atrn-turnaround");
        toProvider.setDaemon(true);
        try {
            provider.timeout(idle);
            local.setSoTimeout((int) Math.min(Integer.MAX_VALUE, idle.toMillis()));
            toProvider.start();
            copy(provider.input(), local.getOutputStream(), true);
        } catch (IOException e) {
            end.compareAndSet(null, "the turnaround failed: " + e.getMessage());
            closeBoth();
        }
        toProvider.join(idle.toMillis());
        return transcript;
    }

    /** How the relay ended when it was not the provider's QUIT. */
    Optional<String> cut() {
        return transcript.quitAnswered() ? Optional.empty() : Optional.ofNullable(end.get());
    }

    private void copy(Socket from, OutputStream to, boolean fromProvider) {
        try {
            copy(from.getInputStream(), to, fromProvider);
        } catch (IOException e) {
            end.compareAndSet(null, "this James's SMTP server: " + e.getMessage());
            closeBoth();
        }
    }

    private void copy(InputStream in, OutputStream out, boolean fromProvider) {
        String side = fromProvider ? "the provider" : "this James's SMTP server";
        byte[] buffer = new byte[BUFFER];
        try {
            while (true) {
                int read;
                try {
                    read = in.read(buffer);
                } catch (SocketTimeoutException quiet) {
                    if (System.nanoTime() - lastActivity.get() >= idle.toNanos()) {
                        end.compareAndSet(null, "nothing said on either side for " + idle.toSeconds() + " s");
                        return;
                    }
                    continue;
                }
                if (read < 0) {
                    end.compareAndSet(null, side + " closed the connection");
                    return;
                }
                lastActivity.set(System.nanoTime());
                if (fromProvider) {
                    transcript.fromProvider(buffer, read);
                } else {
                    transcript.fromLocal(buffer, read);
                }
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException e) {
            end.compareAndSet(null, "relaying what " + side + " sent failed: " + e.getMessage());
        } finally {
            closeBoth();
        }
    }

    private void closeBoth() {
        provider.close();
        try {
            local.close();
        } catch (IOException e) {
            // closed all the same
        }
    }
}
