package org.jamesetrn.odmr.provider;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import javax.annotation.PreDestroy;
import javax.inject.Inject;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.metrics.api.MetricFactory;
import org.jamesetrn.hold.OnDemandRelease;
import org.jamesetrn.protocol.ClientRateLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.base.Ticker;
import com.google.common.util.concurrent.ThreadFactoryBuilder;

/**
 * The ODMR listener (RFC 2645, the provider's side): a plain blocking server, one thread per session from a pool of
 * {@code maxSessions}, because the turnaround turns the very socket a session reads commands from into an SMTP
 * client's, for as long as the customer's held mail takes: a thread that owns its socket says that most simply.
 * Bounded everywhere: sessions in all and per address, failed AUTHs per address, idle customers. Started by
 * {@link OdmrStartup} when James starts, stopped with James ({@code @PreDestroy}).
 */
public final class OdmrListener {
    private static final Logger LOGGER = LoggerFactory.getLogger(OdmrListener.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final int BACKLOG = 50;

    private final OdmrSettings settings;
    private final Customers customers;
    private final Optional<OnDemandRelease> release;
    private final OdmrAudit audit;
    private final ClientRateLimiter authFailures;
    private final Optional<SSLContext> tls;
    private final Set<String> turning = ConcurrentHashMap.newKeySet();
    private final Map<InetAddress, Integer> sessionsPerAddress = new ConcurrentHashMap<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private ServerSocket serverSocket;
    private ThreadPoolExecutor sessions;
    private ScheduledExecutorService deadlines;
    private Thread acceptor;

    @Inject
    OdmrListener(OdmrSettings settings, Customers customers, Optional<OnDemandRelease> release,
                 MetricFactory metricFactory, FileSystem fileSystem) {
        this(settings, customers, release, metricFactory, keyStore(settings, fileSystem));
    }

    /** A listener outside Guice (the tests): the key store, if any, already loaded. */
    public OdmrListener(OdmrSettings settings, Customers customers, Optional<OnDemandRelease> release,
                        MetricFactory metricFactory, Optional<SSLContext> tls) {
        this.settings = settings;
        this.customers = customers;
        this.release = release;
        this.audit = new OdmrAudit(metricFactory);
        this.authFailures = new ClientRateLimiter(settings.authFailurePermits(), settings.authFailurePeriod(),
            Ticker.systemTicker());
        this.tls = tls;
    }

    /** The key store of odmr.properties, loaded at start-up: a missing or unreadable one stops James, naming it. */
    private static Optional<SSLContext> keyStore(OdmrSettings settings, FileSystem fileSystem) {
        if (settings.tls().isEmpty() || !settings.enabled()) {
            return Optional.empty();
        }
        OdmrSettings.Tls configured = settings.tls().get();
        try (InputStream in = fileSystem.getResource(configured.keyStore())) {
            return Optional.of(serverContext(in, configured.type(), configured.secret()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(OdmrSettings.FILE_NAME + ".properties: " + OdmrSettings.TLS_KEYSTORE
                + ": cannot load " + configured + ": " + e.getMessage(), e);
        }
    }

    public static SSLContext serverContext(InputStream keyStoreContent, String type, char[] secret)
        throws IOException, GeneralSecurityException {
        KeyStore keyStore = KeyStore.getInstance(type);
        keyStore.load(keyStoreContent, secret);
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keyStore, secret);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    /** Binds and accepts connections on a thread of its own; does nothing when odmr.properties disables it. */
    public synchronized void start() throws IOException {
        if (!settings.enabled() || serverSocket != null) {
            return;
        }
        if (release.isEmpty()) {
            LOGGER.error("ODMR listener: no hold offers on-demand release (OnDemandRelease is not bound, list "
                + "org.jamesetrn.module.EtrnModule in extensions.properties): every ATRN will answer 451");
        }
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        try {
            socket.bind(settings.bind(), BACKLOG);
        } catch (IOException e) {
            socket.close();
            throw new IOException(OdmrSettings.FILE_NAME + ".properties: " + OdmrSettings.BIND + ": cannot listen on "
                + settings.bind() + ": " + e.getMessage(), e);
        }
        serverSocket = socket;
        sessions = new ThreadPoolExecutor(settings.maxSessions(), settings.maxSessions(), 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), new ThreadFactoryBuilder().setDaemon(true).setNameFormat("odmr-session-%d").build());
        sessions.allowCoreThreadTimeOut(true);
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1,
            new ThreadFactoryBuilder().setDaemon(true).setNameFormat("odmr-deadline-%d").build());
        timers.setRemoveOnCancelPolicy(true);
        deadlines = timers;
        acceptor = new Thread(() -> accept(socket), "odmr-listener");
        acceptor.setDaemon(true);
        acceptor.start();
        LOGGER.info("ODMR listener (RFC 2645) on {}: {} customers, STARTTLS {}, at most {} sessions ({} per address)",
            address().orElse(settings.bind()), customers.size(),
            tls.isEmpty() ? "not offered" : settings.tls().get().required() ? "required" : "offered",
            settings.maxSessions(), settings.maxSessionsPerAddress());
    }

    /** Where it listens (the port chosen by the system when the configuration says 0); empty when not listening. */
    public synchronized Optional<InetSocketAddress> address() {
        return serverSocket == null ? Optional.empty()
            : Optional.of((InetSocketAddress) serverSocket.getLocalSocketAddress());
    }

    private void accept(ServerSocket listening) {
        while (!listening.isClosed()) {
            Socket socket;
            try {
                socket = listening.accept();
            } catch (IOException closed) {
                return;
            }
            admit(socket);
        }
    }

    /** Within the limits, a session on a thread of the pool; beyond them, a 421 and the connection closed at once. */
    private void admit(Socket socket) {
        InetAddress address = socket.getInetAddress();
        if (authFailures.exhausted(address)) {
            refuse(socket, "421 4.7.0 Too many authentication failures from your address, try again later",
                "too many authentication failures");
            return;
        }
        if (!countIn(address)) {
            refuse(socket, "421 4.7.0 Too many connections, try again later", "session limit");
            return;
        }
        open.add(socket);
        try {
            sessions.execute(() -> {
                try {
                    new OdmrSession(socket, this).run();
                } finally {
                    open.remove(socket);
                    closeQuietly(socket);
                    countOut(address);
                }
            });
        } catch (RejectedExecutionException e) {
            open.remove(socket);
            countOut(address);
            refuse(socket, "421 4.3.2 Service not available, closing the connection", "listener stopping");
        }
    }

    /** One more session of this address, unless it or the listener is at its limit. */
    private boolean countIn(InetAddress address) {
        synchronized (sessionsPerAddress) {
            int total = sessionsPerAddress.values().stream().mapToInt(Integer::intValue).sum();
            int mine = sessionsPerAddress.getOrDefault(address, 0);
            if (total >= settings.maxSessions() || mine >= settings.maxSessionsPerAddress()) {
                return false;
            }
            sessionsPerAddress.put(address, mine + 1);
            return true;
        }
    }

    private void countOut(InetAddress address) {
        synchronized (sessionsPerAddress) {
            sessionsPerAddress.computeIfPresent(address, (key, count) -> count > 1 ? count - 1 : null);
        }
    }

    private void refuse(Socket socket, String reply, String why) {
        audit.sessionRefused(socket.getInetAddress(), why);
        try (Socket refused = socket) {
            refused.setSoTimeout(1000);
            OutputStream out = refused.getOutputStream();
            out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            // it went away first
        }
    }

    /** Whether this customer may start a turnaround now: one at a time per customer (450 otherwise). */
    boolean startTurn(Customer customer) {
        return turning.add(customer.name());
    }

    void endTurn(Customer customer) {
        turning.remove(customer.name());
    }

    OdmrSettings settings() {
        return settings;
    }

    Customers customers() {
        return customers;
    }

    Optional<OnDemandRelease> release() {
        return release;
    }

    OdmrAudit audit() {
        return audit;
    }

    ClientRateLimiter authFailures() {
        return authFailures;
    }

    Optional<SSLContext> tls() {
        return tls;
    }

    ScheduledExecutorService deadlines() {
        return deadlines;
    }

    /**
     * When James stops: no new connection; the sessions in progress are cut (a turnaround's attempt in progress ends
     * refused for now, its turn gives back what it had not ended) and get a few seconds to record that.
     */
    @PreDestroy
    public synchronized void stop() {
        if (serverSocket == null) {
            return;
        }
        closeQuietly(serverSocket);
        open.forEach(OdmrListener::closeQuietly);
        sessions.shutdown();
        try {
            if (!sessions.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOGGER.warn("ODMR listener: a session was still running when James stopped");
                sessions.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deadlines.shutdownNow();
        serverSocket = null;
        LOGGER.info("ODMR listener stopped");
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // closed all the same
        }
    }
}
