package org.jamesetrn.client;

import java.io.FileNotFoundException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.util.DurationParser;
import org.apache.james.utils.PropertiesProvider;
import org.jamesetrn.node.InvalidNodeException;
import org.jamesetrn.node.Node;
import org.jamesetrn.node.NodeSyntax;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;

/**
 * The ETRN client's settings, read from {@code conf/etrn-client.properties} (every key is documented in the file
 * shipped in conf/). The one reader of that file. No file, or no {@code relays}, means no relay: nothing is ever
 * requested. A mistake (unknown key, relay without host or nodes, a malformed node, a bad duration) stops James at
 * start-up with a message naming the key: a typo in {@code starttls} must not silently mean plain text. So does a
 * relay whose AUTH password could cross the network in clear ({@code starttls} {@code opportunistic} or {@code off})
 * unless its entry says {@code auth.plaintext=allowed}.
 */
final class EtrnClientConfiguration {
    public static final String FILE_NAME = "etrn-client";

    static final String RELAYS = "relays";
    static final String INTERVAL = "interval";
    static final String TIMEOUT = "timeout";
    static final String EHLO_NAME = "ehloName";
    static final String RETRY_ATTEMPTS = "retry.attempts";
    static final String RETRY_FIRST_DELAY = "retry.firstDelay";
    static final String RETRY_MAX_DELAY = "retry.maxDelay";
    static final String RELAY_PREFIX = "relay.";
    static final String HOST = "host";
    static final String PORT = "port";
    static final String STARTTLS = "starttls";
    static final String AUTH_USER = "auth.user";
    static final String AUTH_PASSWORD = "auth.password";
    static final String AUTH_PLAINTEXT = "auth.plaintext";
    static final String PLAINTEXT_ALLOWED = "allowed";
    static final String NODES = "nodes";

    static final int DEFAULT_PORT = 25;
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    static final Backoff DEFAULT_BACKOFF = Backoff.of(5, Duration.ofMinutes(1), Duration.ofMinutes(15));

    private static final Set<String> GLOBAL_KEYS = ImmutableSet.of(RELAYS, INTERVAL, TIMEOUT, EHLO_NAME,
        RETRY_ATTEMPTS, RETRY_FIRST_DELAY, RETRY_MAX_DELAY);
    private static final Set<String> RELAY_KEYS = ImmutableSet.of(HOST, PORT, STARTTLS, AUTH_USER, AUTH_PASSWORD,
        AUTH_PLAINTEXT, NODES);
    private static final Pattern RELAY_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    public static EtrnClientConfiguration load(PropertiesProvider propertiesProvider) throws ConfigurationException {
        try {
            return from(propertiesProvider.getConfiguration(FILE_NAME));
        } catch (FileNotFoundException e) {
            return none();
        }
    }

    /** No relay: the client stays idle (the secure default). */
    public static EtrnClientConfiguration none() {
        return new EtrnClientConfiguration(ImmutableList.of(), Optional.empty(), DEFAULT_TIMEOUT, Optional.empty(),
            DEFAULT_BACKOFF);
    }

    public static EtrnClientConfiguration from(Configuration configuration) throws ConfigurationException {
        return new Reader(configuration).read();
    }

    private final ImmutableList<UpstreamRelay> relays;
    private final Optional<Duration> interval;
    private final Duration timeout;
    private final Optional<String> ehloName;
    private final Backoff backoff;

    private EtrnClientConfiguration(ImmutableList<UpstreamRelay> relays, Optional<Duration> interval, Duration timeout,
                                    Optional<String> ehloName, Backoff backoff) {
        this.relays = relays;
        this.interval = interval;
        this.timeout = timeout;
        this.ehloName = ehloName;
        this.backoff = backoff;
    }

    static EtrnClientConfiguration of(List<UpstreamRelay> relays, Optional<Duration> interval, Duration timeout,
                                      Optional<String> ehloName, Backoff backoff) {
        return new EtrnClientConfiguration(ImmutableList.copyOf(relays), interval, timeout, ehloName, backoff);
    }

    /** In the order of {@code relays}. */
    ImmutableList<UpstreamRelay> relays() {
        return relays;
    }

    /** The period of the scheduled requests; empty: only at start-up and on demand. */
    Optional<Duration> interval() {
        return interval;
    }

    /** Connect and read timeout of a session with a relay. */
    Duration timeout() {
        return timeout;
    }

    /** The name said in EHLO; empty: JavaMail's default, this machine's host name. */
    Optional<String> ehloName() {
        return ehloName;
    }

    Backoff backoff() {
        return backoff;
    }

    /** Reads one file; every method names the key it complains about. */
    private static final class Reader {
        private final Configuration configuration;

        Reader(Configuration configuration) {
            this.configuration = configuration;
        }

        EtrnClientConfiguration read() throws ConfigurationException {
            ImmutableList<String> names = list(RELAYS);
            checkKeys(names);
            ImmutableList.Builder<UpstreamRelay> relays = ImmutableList.builder();
            for (String name : names) {
                relays.add(relay(name));
            }
            Optional<Duration> interval = duration(INTERVAL);
            Duration timeout = duration(TIMEOUT).orElse(DEFAULT_TIMEOUT);
            Optional<String> ehloName = string(EHLO_NAME);
            int attempts = integer(RETRY_ATTEMPTS, DEFAULT_BACKOFF.attempts());
            Duration firstDelay = duration(RETRY_FIRST_DELAY).orElse(DEFAULT_BACKOFF.firstDelay());
            Duration maxDelay = duration(RETRY_MAX_DELAY).orElse(DEFAULT_BACKOFF.maxDelay());
            try {
                return of(relays.build(), interval, timeout, ehloName, Backoff.of(attempts, firstDelay, maxDelay));
            } catch (IllegalArgumentException e) {
                throw invalid("retry.*", e.getMessage());
            }
        }

        /** Every key must be known: a misspelt option would otherwise fall back to its default without a word. */
        private void checkKeys(List<String> relays) throws ConfigurationException {
            Set<String> names = ImmutableSet.copyOf(relays);
            for (Iterator<String> keys = configuration.getKeys(); keys.hasNext(); ) {
                String key = keys.next();
                if (GLOBAL_KEYS.contains(key)) {
                    continue;
                }
                if (!key.startsWith(RELAY_PREFIX)) {
                    throw invalid(key, "unknown key");
                }
                String rest = key.substring(RELAY_PREFIX.length());
                int dot = rest.indexOf('.');
                String name = dot < 0 ? rest : rest.substring(0, dot);
                if (dot < 0 || !RELAY_KEYS.contains(rest.substring(dot + 1))) {
                    throw invalid(key, "unknown key (a relay has " + String.join(", ", RELAY_KEYS) + ")");
                }
                if (!names.contains(name)) {
                    throw invalid(key, "relay '" + name + "' is not listed in '" + RELAYS + "'");
                }
            }
        }

        private UpstreamRelay relay(String name) throws ConfigurationException {
            if (!RELAY_NAME.matcher(name).matches()) {
                throw invalid(RELAYS, "'" + name + "' is not a relay name (letters, digits, '-', '_')");
            }
            String prefix = RELAY_PREFIX + name + ".";
            String host = string(prefix + HOST).orElseThrow(() -> invalid(prefix + HOST, "required"));
            int port = integer(prefix + PORT, DEFAULT_PORT);
            Optional<String> user = string(prefix + AUTH_USER);
            Optional<String> password = secret(prefix + AUTH_PASSWORD);
            if (user.isPresent() != password.isPresent()) {
                throw invalid(prefix + AUTH_USER, "AUTH needs both " + prefix + AUTH_USER + " and " + prefix + AUTH_PASSWORD);
            }
            Optional<Credentials> credentials = user.map(u -> Credentials.of(u, password.orElseThrow()));
            // With a password to protect, the default is to send it over TLS or not at all.
            StartTls startTls = startTls(prefix + STARTTLS,
                credentials.isPresent() ? StartTls.REQUIRED : StartTls.OPPORTUNISTIC);
            checkPlainTextAuth(name, prefix, startTls, credentials.isPresent());
            ImmutableList.Builder<Node> nodes = ImmutableList.builder();
            for (String written : list(prefix + NODES)) {
                nodes.add(node(prefix + NODES, written));
            }
            try {
                return UpstreamRelay.of(name, host, port, startTls, credentials, nodes.build());
            } catch (IllegalArgumentException e) {
                throw invalid(prefix + "*", e.getMessage());
            }
        }

        /**
         * A password that may cross the network in clear (no STARTTLS, or STARTTLS only when offered, which an
         * attacker on the path can strip) needs the admin's explicit word, {@code auth.plaintext=allowed} (loopback,
         * a tunnel, a private link); the option means nothing without AUTH, so it is refused there too.
         */
        private void checkPlainTextAuth(String name, String prefix, StartTls startTls, boolean auth)
            throws ConfigurationException {
            Optional<String> plainText = string(prefix + AUTH_PLAINTEXT);
            if (plainText.isPresent() && !plainText.get().equalsIgnoreCase(PLAINTEXT_ALLOWED)) {
                throw invalid(prefix + AUTH_PLAINTEXT, "expected " + PLAINTEXT_ALLOWED + " (or no entry)");
            }
            if (plainText.isPresent() && !auth) {
                throw invalid(prefix + AUTH_PLAINTEXT, "relay '" + name + "' has no " + prefix + AUTH_USER);
            }
            if (auth && startTls != StartTls.REQUIRED && plainText.isEmpty()) {
                throw invalid(prefix + STARTTLS, startTls.asConfigValue() + " could send the AUTH password for relay '"
                    + name + "' in clear: set " + prefix + STARTTLS + "=" + StartTls.REQUIRED.asConfigValue()
                    + ", or " + prefix + AUTH_PLAINTEXT + "=" + PLAINTEXT_ALLOWED
                    + " if the path to the relay is trusted (loopback, a tunnel)");
            }
        }

        private StartTls startTls(String key, StartTls defaultMode) throws ConfigurationException {
            Optional<String> value = string(key);
            try {
                return value.isPresent() ? StartTls.parse(value.get()) : defaultMode;
            } catch (IllegalArgumentException e) {
                throw invalid(key, e.getMessage());
            }
        }

        private static Node node(String key, String written) throws ConfigurationException {
            try {
                return NodeSyntax.parse(written);
            } catch (InvalidNodeException e) {
                throw invalid(key, "'" + written + "' is not an ETRN node: " + e.getMessage());
            }
        }

        private Optional<Duration> duration(String key) throws ConfigurationException {
            Optional<String> value = string(key);
            if (value.isEmpty()) {
                return Optional.empty();
            }
            try {
                Duration duration = DurationParser.parse(value.get(), ChronoUnit.SECONDS);
                if (duration.isNegative() || duration.isZero()) {
                    throw invalid(key, "must be positive");
                }
                return Optional.of(duration);
            } catch (IllegalArgumentException e) {
                throw invalid(key, "not a duration (like 90s, 30m, 1h): " + value.get());
            }
        }

        private int integer(String key, int defaultValue) throws ConfigurationException {
            Optional<String> value = string(key);
            try {
                return value.isPresent() ? Integer.parseInt(value.get()) : defaultValue;
            } catch (NumberFormatException e) {
                throw invalid(key, "not a number: " + value.get());
            }
        }

        /** A single value, trimmed; blank means absent. */
        private Optional<String> string(String key) {
            return Optional.ofNullable(configuration.getString(key, null))
                .map(String::trim)
                .filter(value -> !value.isEmpty());
        }

        /**
         * The password as written. James's properties reader splits a value on its unescaped commas (and trims the
         * pieces): the pieces are joined back, so {@code a,b} stays {@code a,b}; a comma next to a space must be
         * written {@code \,} to keep the space.
         */
        private Optional<String> secret(String key) {
            Object raw = configuration.getProperty(key);
            String value = raw instanceof Collection
                ? ((Collection<?>) raw).stream().map(String::valueOf).collect(Collectors.joining(","))
                : raw == null ? "" : String.valueOf(raw);
            return Optional.of(value).filter(written -> !written.isEmpty());
        }

        /** Comma separated values, whether or not the configuration already split them. */
        private ImmutableList<String> list(String key) {
            return configuration.getList(String.class, key, ImmutableList.of()).stream()
                .flatMap(value -> Arrays.stream(value.split(",")))
                .map(String::trim)
                .filter(value -> !value.isEmpty())
                .collect(ImmutableList.toImmutableList());
        }

        private static ConfigurationException invalid(String key, String problem) {
            return new ConfigurationException(FILE_NAME + ".properties: " + key + ": " + problem);
        }
    }
}
