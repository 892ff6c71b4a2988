package org.jamesetrn.protocol;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.james.core.Domain;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.domainlist.api.DomainListException;

import com.google.common.collect.ImmutableList;

/** James's local domains, fixed for a test; can be made to fail like an unreachable domain store. */
final class FixedDomainList implements DomainList {
    private final List<Domain> domains;
    private final AtomicBoolean failing = new AtomicBoolean();

    FixedDomainList(String... domains) {
        this.domains = ImmutableList.copyOf(List.of(domains).stream().map(Domain::of).iterator());
    }

    void fail() {
        failing.set(true);
    }

    @Override
    public List<Domain> getDomains() throws DomainListException {
        checkAvailable();
        return domains;
    }

    @Override
    public boolean containsDomain(Domain domain) throws DomainListException {
        checkAvailable();
        return domains.contains(domain);
    }

    @Override
    public void addDomain(Domain domain) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void removeDomain(Domain domain) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Domain getDefaultDomain() {
        return domains.get(0);
    }

    private void checkAvailable() throws DomainListException {
        if (failing.get()) {
            throw new DomainListException("domain store unavailable");
        }
    }
}
