package org.jamesetrn.protocol;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.List;

import org.apache.james.dnsservice.api.DNSService;

import com.google.common.net.InetAddresses;

/** Resolves IP literals only: what NetMatcher needs for networks written as addresses and CIDRs. */
final class LiteralDnsService implements DNSService {
    @Override
    public InetAddress getByName(String host) throws UnknownHostException {
        try {
            return InetAddresses.forString(host);
        } catch (IllegalArgumentException e) {
            throw new UnknownHostException(host);
        }
    }

    @Override
    public Collection<InetAddress> getAllByName(String host) throws UnknownHostException {
        return List.of(getByName(host));
    }

    @Override
    public Collection<String> findMXRecords(String hostname) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Collection<String> findTXTRecords(String hostname) {
        throw new UnsupportedOperationException();
    }

    @Override
    public InetAddress getLocalHost() {
        return InetAddress.getLoopbackAddress();
    }

    @Override
    public String getHostName(InetAddress addr) {
        return addr.getHostAddress();
    }
}
