package org.jamesetrn.odmr.provider;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.utils.PropertiesProvider;
import org.jamesetrn.conf.PropertiesFile;

import com.google.common.collect.ImmutableSet;
import com.google.common.net.HostAndPort;

/**
 * The ODMR listener's settings, read from {@code conf/odmr.properties} (every key is documented in the file shipped
 * in conf/): the one reader of that file. No file means no listener. A mistake stops James at start-up with a
 * message naming the key.
 */
public final class OdmrSettings {
    public static final String FILE_NAME = "odmr";

    static final String ENABLED = "enabled";
    static final String BIND = "bind";
    static final String HELLO_NAME = "helloName";
    static final String MAX_SESSIONS = "maxSessions";
    static final String MAX_SESSIONS_PER_ADDRESS = "maxSessionsPerAddress";
    static final String IDLE_TIMEOUT = "idleTimeout";
    static final String AUTH_FAILURES_PERMITS = "authFailures.permits";
    static final String AUTH_FAILURES_PERIOD = "authFailures.period";
    static final String TLS_KEYSTORE = "tls.keystore";
    static final String TLS_KEYSTORE_TYPE = "tls.keystoreType";
    static final String TLS_SECRET = "tls.secret";
    static final String TLS_REQUIRED = "tls.required";
    static final String TURNAROUND_TIMEOUT = "turnaround.timeout";
    static final String TURNAROUND_DATA_TIMEOUT = "turnaround.dataTimeout";

    /** RFC 2645's port is 366; the shipped conf listens next to SMTP on loopback, where no root is needed. */
    static final int DEFAULT_PORT = 366;
    static final int DEFAULT_MAX_SESSIONS = 20;
    static final int DEFAULT_MAX_SESSIONS_PER_ADDRESS = 3;
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(2);
    static final int DEFAULT_AUTH_FAILURES_PERMITS = 5;
    static final Duration DEFAULT_AUTH_FAILURES_PERIOD = Duration.ofMinutes(15);
    /** RFC 5321 section 4.5.3.2: the initial 220, MAIL and RCPT: 5 minutes each. */
    static final Duration DEFAULT_TURNAROUND_TIMEOUT = Duration.ofMinutes(5);
    /** RFC 5321 section 4.5.3.2.6: the reply to the final dot, 10 minutes. */
    static final Duration DEFAULT_TURNAROUND_DATA_TIMEOUT = Duration.ofMinutes(10);

    private static final Set<String> KEYS = ImmutableSet.of(ENABLED, BIND, HELLO_NAME, MAX_SESSIONS,
        MAX_SESSIONS_PER_ADDRESS, IDLE_TIMEOUT, AUTH_FAILURES_PERMITS, AUTH_FAILURES_PERIOD, TLS_KEYSTORE,
        TLS_KEYSTORE_TYPE, TLS_SECRET, TLS_REQUIRED, TURNAROUND_TIMEOUT, TURNAROUND_DATA_TIMEOUT);

    /** The key store STARTTLS offers, as written in the file (James resolves {@code file://conf/...}). */
    public static final class Tls {
        private final String keyStore;
        private final String type;
        private final String secret;
        private final boolean required;

        Tls(String keyStore, String type, String secret, boolean required) {
            this.keyStore = keyStore;
            this.type = type;
            this.secret = secret;
            this.required = required;
        }

        public String keyStore() {
            return keyStore;
        }

        public String type() {
            return type;
        }

        char[] secret() {
            return secret.toCharArray();
        }

        /** AUTH (and so ATRN) only under TLS. */
        public boolean required() {
            return required;
        }

        @Override
        public String toString() {
            return keyStore + " (" + type + ")";
        }
    }

    public static OdmrSettings load(PropertiesProvider propertiesProvider) throws ConfigurationException {
        Optional<PropertiesFile> file = PropertiesFile.load(propertiesProvider, FILE_NAME);
        return file.isPresent() ? read(file.get()) : disabled();
    }

    public static OdmrSettings disabled() {
        return builder().enabled(false).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    static OdmrSettings read(PropertiesFile file) throws ConfigurationException {
        for (Iterator<String> keys = file.keys(); keys.hasNext(); ) {
            String key = keys.next();
            if (!KEYS.contains(key)) {
                throw file.invalid(key, "unknown key");
            }
        }
        Builder builder = builder().enabled(file.bool(ENABLED, true));
        Optional<String> bind = file.string(BIND);
        if (bind.isPresent()) {
            builder.bind(address(file, bind.get()));
        }
        file.string(HELLO_NAME).ifPresent(builder::helloName);
        builder.maxSessions(positive(file, MAX_SESSIONS, DEFAULT_MAX_SESSIONS))
            .maxSessionsPerAddress(positive(file, MAX_SESSIONS_PER_ADDRESS, DEFAULT_MAX_SESSIONS_PER_ADDRESS))
            .idleTimeout(file.duration(IDLE_TIMEOUT).orElse(DEFAULT_IDLE_TIMEOUT))
            .authFailures(notNegative(file, AUTH_FAILURES_PERMITS, DEFAULT_AUTH_FAILURES_PERMITS),
                file.duration(AUTH_FAILURES_PERIOD).orElse(DEFAULT_AUTH_FAILURES_PERIOD))
            .turnaroundTimeouts(file.duration(TURNAROUND_TIMEOUT).orElse(DEFAULT_TURNAROUND_TIMEOUT),
                file.duration(TURNAROUND_DATA_TIMEOUT).orElse(DEFAULT_TURNAROUND_DATA_TIMEOUT));
        Optional<String> keyStore = file.string(TLS_KEYSTORE);
        boolean required = file.bool(TLS_REQUIRED, false);
        if (keyStore.isPresent()) {
            builder.tls(new Tls(keyStore.get(), file.string(TLS_KEYSTORE_TYPE).orElse("PKCS12"),
                file.secret(TLS_SECRET).orElse(""), required));
        } else if (required) {
            throw file.invalid(TLS_REQUIRED, "TLS is required but " + TLS_KEYSTORE + " names no key store");
        }
        return builder.build();
    }

    private static InetSocketAddress address(PropertiesFile file, String written) throws ConfigurationException {
        try {
            HostAndPort hostAndPort = HostAndPort.fromString(written).withDefaultPort(DEFAULT_PORT);
            return new InetSocketAddress(InetAddress.getByName(hostAndPort.getHost()), hostAndPort.getPort());
        } catch (IllegalArgumentException | UnknownHostException e) {
            throw file.invalid(BIND, "not an address and port (like 127.0.0.1:2366, [::1]:366): " + written);
        }
    }

    private static int positive(PropertiesFile file, String key, int defaultValue) throws ConfigurationException {
        int value = file.integer(key, defaultValue);
        if (value < 1) {
            throw file.invalid(key, "must be at least 1");
        }
        return value;
    }

    private static int notNegative(PropertiesFile file, String key, int defaultValue) throws ConfigurationException {
        int value = file.integer(key, defaultValue);
        if (value < 0) {
            throw file.invalid(key, "must not be negative (0 turns the limit off)");
        }
        return value;
    }

    public static final class Builder {
        private boolean enabled = true;
        private InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), DEFAULT_PORT);
        private Optional<String> helloName = Optional.empty();
        private int maxSessions = DEFAULT_MAX_SESSIONS;
        private int maxSessionsPerAddress = DEFAULT_MAX_SESSIONS_PER_ADDRESS;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private int authFailurePermits = DEFAULT_AUTH_FAILURES_PERMITS;
        private Duration authFailurePeriod = DEFAULT_AUTH_FAILURES_PERIOD;
        private Optional<Tls> tls = Optional.empty();
        private Duration turnaroundTimeout = DEFAULT_TURNAROUND_TIMEOUT;
        private Duration turnaroundDataTimeout = DEFAULT_TURNAROUND_DATA_TIMEOUT;

        private Builder() {
        }

        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        public Builder bind(InetSocketAddress bind) {
            this.bind = bind;
            return this;
        }

        public Builder helloName(String helloName) {
            this.helloName = Optional.of(helloName);
            return this;
        }

        public Builder maxSessions(int maxSessions) {
            this.maxSessions = maxSessions;
            return this;
        }

        public Builder maxSessionsPerAddress(int maxSessionsPerAddress) {
            this.maxSessionsPerAddress = maxSessionsPerAddress;
            return this;
        }

        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        public Builder authFailures(int permits, Duration period) {
            this.authFailurePermits = permits;
            this.authFailurePeriod = period;
            return this;
        }

        public Builder tls(Tls tls) {
            this.tls = Optional.of(tls);
            return this;
        }

        public Builder turnaroundTimeouts(Duration timeout, Duration dataTimeout) {
            this.turnaroundTimeout = timeout;
            this.turnaroundDataTimeout = dataTimeout;
            return this;
        }

        public OdmrSettings build() {
            return new OdmrSettings(this);
        }
    }

    private final boolean enabled;
    private final InetSocketAddress bind;
    private final String helloName;
    private final int maxSessions;
    private final int maxSessionsPerAddress;
    private final Duration idleTimeout;
    private final int authFailurePermits;
    private final Duration authFailurePeriod;
    private final Optional<Tls> tls;
    private final Duration turnaroundTimeout;
    private final Duration turnaroundDataTimeout;

    private OdmrSettings(Builder builder) {
        this.enabled = builder.enabled;
        this.bind = builder.bind;
        this.helloName = builder.helloName.orElseGet(OdmrSettings::localHostName);
        this.maxSessions = builder.maxSessions;
        this.maxSessionsPerAddress = builder.maxSessionsPerAddress;
        this.idleTimeout = builder.idleTimeout;
        this.authFailurePermits = builder.authFailurePermits;
        this.authFailurePeriod = builder.authFailurePeriod;
        this.tls = builder.tls;
        this.turnaroundTimeout = builder.turnaroundTimeout;
        this.turnaroundDataTimeout = builder.turnaroundDataTimeout;
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    public boolean enabled() {
        return enabled;
    }

    public InetSocketAddress bind() {
        return bind;
    }

    /** The name in the greeting, in EHLO replies and in the EHLO of the turnaround. */
    public String helloName() {
        return helloName;
    }

    public int maxSessions() {
        return maxSessions;
    }

    public int maxSessionsPerAddress() {
        return maxSessionsPerAddress;
    }

    /** How long the listener waits for the customer's next command before the turnaround. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** Failed AUTHs an address may make per {@link #authFailurePeriod()} (0: no limit). */
    public int authFailurePermits() {
        return authFailurePermits;
    }

    public Duration authFailurePeriod() {
        return authFailurePeriod;
    }

    public Optional<Tls> tls() {
        return tls;
    }

    /** The wait for the customer's greeting and each reply of the turnaround but the final dot's. */
    public Duration turnaroundTimeout() {
        return turnaroundTimeout;
    }

    /** The wait for the reply to a message's final dot. */
    public Duration turnaroundDataTimeout() {
        return turnaroundDataTimeout;
    }
}
