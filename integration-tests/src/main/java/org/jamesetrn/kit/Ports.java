package org.jamesetrn.kit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** Loopback ports for the servers the tests and the benchmark start. JDK only. */
public final class Ports {
    private Ports() {
    }

    /**
     * Below the kernel's ephemeral range (Linux: 32768-60999), where outgoing connections take their local ports: a
     * site MX that is "down" (not listening) would otherwise find its port taken by one of James's own connections
     * when it starts again.
     */
    private static final int FIRST = 20_000;
    private static final int LAST = 32_000;
    private static final AtomicInteger NEXT = new AtomicInteger(FIRST + ThreadLocalRandom.current().nextInt(LAST - FIRST));

    /** A port nothing listens on right now, on 127.0.0.1, outside the ephemeral range. */
    public static int free() {
        for (int tries = 0; tries < LAST - FIRST; tries++) {
            int port = FIRST + Math.floorMod(NEXT.getAndIncrement() - FIRST, LAST - FIRST);
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
                return port;
            } catch (IOException taken) {
                // the next one
            }
        }
        throw new UncheckedIOException(new IOException("no free port between " + FIRST + " and " + LAST));
    }

    /** Whether something accepts connections on 127.0.0.1:port. */
    public static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
