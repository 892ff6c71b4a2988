package org.jamesetrn.kit;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.james.dnsservice.api.DNSService;

import com.google.common.collect.ImmutableList;
import com.google.common.net.InetAddresses;

/**
 * The DNS James sees in the tests: the test domains have MX records {@code 127.0.0.1:<port>} (RemoteDelivery
 * honours a port in an MX name), IP literals resolve to themselves (authorizedAddresses, gateways), and every
 * other name is unknown, so no test mail can ever leave the machine or reach a port 25.
 */
public final class TestDns implements DNSService {
    /** The MX host name of a domain whose MX lookup works but whose MX host's address lookup fails for now. */
    private static final String UNRESOLVABLE_MX = "mx-lookup-fails.";

    private final Map<String, String> mxRecords = new ConcurrentHashMap<>();

    public TestDns mx(String domain, int port) {
        mxRecords.put(domain.toLowerCase(Locale.ROOT), "127.0.0.1:" + port);
        return this;
    }

    /**
     * The domain's MX record is found, but the lookup of its MX host's address fails for now (a resolver timing out, a
     * dynamic-DNS name not updated yet): James's DNSJavaService then throws UnknownHostException for the address, as
     * here. {@link #mx} gives the domain a working MX again.
     */
    public TestDns mxAddressLookupFails(String domain) {
        mxRecords.put(domain.toLowerCase(Locale.ROOT), UNRESOLVABLE_MX + domain.toLowerCase(Locale.ROOT));
        return this;
    }

    @Override
    public Collection<String> findMXRecords(String hostname) {
        if (literal(hostname).isPresent() || InetAddresses.isInetAddress(hostname)) {
            // An address literal (James's MailAddress gives its domain without the brackets) is its own mail server,
            // as in James's DNSJavaService.
            return ImmutableList.of(hostname);
        }
        String mx = mxRecords.get(hostname.toLowerCase(Locale.ROOT));
        return mx == null ? ImmutableList.of() : ImmutableList.of(mx);
    }

    @Override
    public Collection<String> findTXTRecords(String hostname) {
        return ImmutableList.of();
    }

    @Override
    public List<InetAddress> getAllByName(String host) throws UnknownHostException {
        return ImmutableList.of(getByName(host));
    }

    /** The address of an address literal ({@code [192.0.2.1]}), as James's DNSJavaService reads one. */
    private static java.util.Optional<InetAddress> literal(String host) {
        if (host.startsWith("[") && host.endsWith("]") && InetAddresses.isInetAddress(host.substring(1, host.length() - 1))) {
            return java.util.Optional.of(InetAddresses.forString(host.substring(1, host.length() - 1)));
        }
        return java.util.Optional.empty();
    }

    @Override
    public InetAddress getByName(String host) throws UnknownHostException {
        if (InetAddresses.isInetAddress(host)) {
            return InetAddresses.forString(host);
        }
        if (literal(host).isPresent()) {
            return literal(host).get();
        }
        if (host.toLowerCase(Locale.ROOT).startsWith(UNRESOLVABLE_MX)) {
            throw new UnknownHostException(host + " (its lookup fails for now, in the test DNS)");
        }
        if (host.equalsIgnoreCase("localhost")) {
            return InetAddress.getLoopbackAddress();
        }
        throw new UnknownHostException(host + " (not in the test DNS)");
    }

    @Override
    public InetAddress getLocalHost() {
        return InetAddress.getLoopbackAddress();
    }

    @Override
    public String getHostName(InetAddress addr) {
        return addr.isLoopbackAddress() ? "localhost" : addr.getHostAddress();
    }
}
