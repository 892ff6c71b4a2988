package org.jamesetrn.client;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.utils.PropertiesProvider;
import org.jamesetrn.conf.PropertiesFile;
import org.jamesetrn.node.InvalidNodeException;
import org.jamesetrn.node.Node;
import org.jamesetrn.node.NodeSyntax;
import org.jamesetrn.odmr.AtrnDomains;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import com.google.common.net.HostAndPort;

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
    static final String PROTOCOL = "protocol";
    static final String DELIVER_TO = "deliverTo";

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    static final Backoff DEFAULT_BACKOFF = Backoff.of(5, Duration.ofMinutes(1), Duration.ofMinutes(15));

    private static final Set<String> GLOBAL_KEYS = ImmutableSet.of(RELAYS, INTERVAL, TIMEOUT, EHLO_NAME,
        RETRY_ATTEMPTS, RETRY_FIRST_DELAY, RETRY_MAX_DELAY);
    private static final Set<String> RELAY_KEYS = ImmutableSet.of(PROTOCOL, HOST, PORT, STARTTLS, AUTH_USER, AUTH_PASSWORD,
        AUTH_PLAINTEXT, NODES, DELIVER_TO);
    private static final Pattern RELAY_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    public static EtrnClientConfiguration load(PropertiesProvider propertiesProvider) throws ConfigurationException {
        Optional<PropertiesFile> file = PropertiesFile.load(propertiesProvider, FILE_NAME);
        return file.isPresent() ? new Reader(file.get()).read() : none();
    }

    /** No relay: the client stays idle (the secure default). */
    public static EtrnClientConfiguration none() {
        return new EtrnClientConfiguration(ImmutableList.of(), Optional.empty(), DEFAULT_TIMEOUT, Optional.empty(),
            DEFAULT_BACKOFF);
    }

    public static EtrnClientConfiguration from(Configuration configuration) throws ConfigurationException {
        return new Reader(PropertiesFile.of(FILE_NAME, configuration)).read();
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

    /** Reads one file; every mistake names the key it complains about. */
    private static final class Reader {
        private final PropertiesFile file;

        Reader(PropertiesFile file) {
            this.file = file;
        }

        EtrnClientConfiguration read() throws ConfigurationException {
            ImmutableList<String> names = file.list(RELAYS);
            checkKeys(names);
            ImmutableList.Builder<UpstreamRelay> relays = ImmutableList.builder();
            for (String name : names) {
                relays.add(relay(name));
            }
            Optional<Duration> interval = file.duration(INTERVAL);
            Duration timeout = file.duration(TIMEOUT).orElse(DEFAULT_TIMEOUT);
            Optional<String> ehloName = file.string(EHLO_NAME);
            int attempts = file.integer(RETRY_ATTEMPTS, DEFAULT_BACKOFF.attempts());
            Duration firstDelay = file.duration(RETRY_FIRST_DELAY).orElse(DEFAULT_BACKOFF.firstDelay());
            Duration maxDelay = file.duration(RETRY_MAX_DELAY).orElse(DEFAULT_BACKOFF.maxDelay());
            try {
                return of(relays.build(), interval, timeout, ehloName, Backoff.of(attempts, firstDelay, maxDelay));
            } catch (IllegalArgumentException e) {
                throw file.invalid("retry.*", e.getMessage());
            }
        }

        /** Every key must be known: a misspelt option would otherwise fall back to its default without a word. */
        private void checkKeys(List<String> relays) throws ConfigurationException {
            Set<String> names = ImmutableSet.copyOf(relays);
            for (Iterator<String> keys = file.keys(); keys.hasNext(); ) {
                String key = keys.next();
                if (GLOBAL_KEYS.contains(key)) {
                    continue;
                }
                if (!key.startsWith(RELAY_PREFIX)) {
                    throw file.invalid(key, "unknown key");
                }
                String rest = key.substring(RELAY_PREFIX.length());
                int dot = rest.indexOf('.');
                String name = dot < 0 ? rest : rest.substring(0, dot);
                if (dot < 0 || !RELAY_KEYS.contains(rest.substring(dot + 1))) {
                    throw file.invalid(key, "unknown key (a relay has " + String.join(", ", RELAY_KEYS) + ")");
                }
                if (!names.contains(name)) {
                    throw file.invalid(key, "relay '" + name + "' is not listed in '" + RELAYS + "'");
                }
            }
        }

        private UpstreamRelay relay(String name) throws ConfigurationException {
            if (!RELAY_NAME.matcher(name).matches()) {
                throw file.invalid(RELAYS, "'" + name + "' is not a relay name (letters, digits, '-', '_')");
            }
            String prefix = RELAY_PREFIX + name + ".";
            RelayProtocol protocol = protocol(prefix + PROTOCOL);
            String host = file.string(prefix + HOST).orElseThrow(() -> file.invalid(prefix + HOST, "required"));
            int port = file.integer(prefix + PORT, protocol.defaultPort());
            Optional<String> user = file.string(prefix + AUTH_USER);
            Optional<String> password = file.secret(prefix + AUTH_PASSWORD);
            if (user.isPresent() != password.isPresent()) {
                throw file.invalid(prefix + AUTH_USER, "AUTH needs both " + prefix + AUTH_USER + " and " + prefix + AUTH_PASSWORD);
            }
            if (protocol == RelayProtocol.ODMR && user.isEmpty()) {
                throw file.invalid(prefix + AUTH_USER, "required with " + PROTOCOL + "=odmr: the customer's name and "
                    + "secret for AUTH CRAM-MD5 (RFC 2645)");
            }
            Optional<Credentials> credentials = user.map(u -> Credentials.of(u, password.orElseThrow()));
            // With a password to protect, the default is to send it over TLS or not at all.
            StartTls startTls = startTls(prefix + STARTTLS,
                credentials.isPresent() ? StartTls.REQUIRED : StartTls.OPPORTUNISTIC);
            checkPlainTextAuth(name, prefix, startTls, credentials.isPresent(), protocol);
            ImmutableList.Builder<Node> nodes = ImmutableList.builder();
            for (String written : file.list(prefix + NODES)) {
                nodes.add(node(protocol, prefix + NODES, written));
            }
            Optional<HostAndPort> deliverTo = deliverTo(protocol, prefix + DELIVER_TO);
            try {
                return UpstreamRelay.of(name, protocol, host, port, startTls, credentials, nodes.build(), deliverTo);
            } catch (IllegalArgumentException e) {
                throw file.invalid(prefix + "*", e.getMessage());
            }
        }

        private RelayProtocol protocol(String key) throws ConfigurationException {
            Optional<String> value = file.string(key);
            try {
                return value.isPresent() ? RelayProtocol.parse(value.get()) : RelayProtocol.ETRN;
            } catch (IllegalArgumentException e) {
                throw file.invalid(key, e.getMessage());
            }
        }

        /**
         * A password that may cross the network in clear (no STARTTLS, or STARTTLS only when offered, which an
         * attacker on the path can strip) needs the admin's explicit word, {@code auth.plaintext=allowed} (loopback,
         * a tunnel, a private link); the option means nothing without AUTH, so it is refused there too.
         */
        private void checkPlainTextAuth(String name, String prefix, StartTls startTls, boolean auth,
                                        RelayProtocol protocol) throws ConfigurationException {
            Optional<String> plainText = file.string(prefix + AUTH_PLAINTEXT);
            if (plainText.isPresent() && !plainText.get().equalsIgnoreCase(PLAINTEXT_ALLOWED)) {
                throw file.invalid(prefix + AUTH_PLAINTEXT, "expected " + PLAINTEXT_ALLOWED + " (or no entry)");
            }
            if (plainText.isPresent() && !auth) {
                throw file.invalid(prefix + AUTH_PLAINTEXT, "relay '" + name + "' has no " + prefix + AUTH_USER);
            }
            // ODMR authenticates with CRAM-MD5 (RFC 2645): the secret never crosses the network, in clear or not.
            if (auth && startTls != StartTls.REQUIRED && plainText.isEmpty() && protocol == RelayProtocol.ETRN) {
                throw file.invalid(prefix + STARTTLS, startTls.asConfigValue() + " could send the AUTH password for relay '"
                    + name + "' in clear: set " + prefix + STARTTLS + "=" + StartTls.REQUIRED.asConfigValue()
                    + ", or " + prefix + AUTH_PLAINTEXT + "=" + PLAINTEXT_ALLOWED
                    + " if the path to the relay is trusted (loopback, a tunnel)");
            }
        }

        private StartTls startTls(String key, StartTls defaultMode) throws ConfigurationException {
            Optional<String> value = file.string(key);
            try {
                return value.isPresent() ? StartTls.parse(value.get()) : defaultMode;
            } catch (IllegalArgumentException e) {
                throw file.invalid(key, e.getMessage());
            }
        }

        /** An ETRN node; for ODMR, a domain as ATRN names it (no @domain, no #queue). */
        private Node node(RelayProtocol protocol, String key, String written) throws ConfigurationException {
            try {
                return protocol == RelayProtocol.ODMR ? Node.domain(AtrnDomains.domain(written)) : NodeSyntax.parse(written);
            } catch (InvalidNodeException e) {
                throw file.invalid(key, "'" + written + "' is not " + (protocol == RelayProtocol.ODMR ? "a domain" : "an ETRN node")
                    + ": " + e.getMessage());
            }
        }

        private Optional<HostAndPort> deliverTo(RelayProtocol protocol, String key) throws ConfigurationException {
            Optional<String> value = file.string(key);
            if (value.isEmpty()) {
                return Optional.empty();
            }
            if (protocol != RelayProtocol.ODMR) {
                throw file.invalid(key, "only for " + PROTOCOL + "=odmr (an ETRN relay delivers to this site's MX)");
            }
            try {
                HostAndPort address = HostAndPort.fromString(value.get());
                if (!address.hasPort()) {
                    throw file.invalid(key, "host:port, not: " + value.get());
                }
                return Optional.of(address);
            } catch (IllegalArgumentException e) {
                throw file.invalid(key, "host:port, not: " + value.get());
            }
        }
    }
}
