package org.jamesetrn.odmr.provider;

import java.util.Collection;
import java.util.List;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;

/**
 * One customer of the ODMR listener (RFC 2645): the name it authenticates with, its CRAM-MD5 secret, the domains
 * whose held mail it may ask for. Prints as its name only: the secret reaches no log line.
 */
public final class Customer {
    public static Customer of(String name, String secret, List<String> domains) {
        Preconditions.checkArgument(name != null && !name.isEmpty(), "a customer needs a name");
        Preconditions.checkArgument(secret != null && !secret.isEmpty(), "a customer needs a secret");
        Preconditions.checkArgument(!domains.isEmpty(), "a customer needs at least one domain");
        return new Customer(name, secret, ImmutableList.copyOf(domains));
    }

    private final String name;
    private final String secret;
    private final ImmutableList<String> domains;

    private Customer(String name, String secret, ImmutableList<String> domains) {
        this.name = name;
        this.secret = secret;
        this.domains = domains;
    }

    /** The AUTH user name. */
    public String name() {
        return name;
    }

    String secret() {
        return secret;
    }

    /** Lower case, in the order listed: what {@code ATRN} without an argument asks for. */
    public List<String> domains() {
        return domains;
    }

    public boolean owns(Collection<String> asked) {
        return domains.containsAll(asked);
    }

    @Override
    public String toString() {
        return name;
    }
}
