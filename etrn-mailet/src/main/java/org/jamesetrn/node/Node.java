package org.jamesetrn.node;

import java.util.Collection;
import java.util.Locale;
import java.util.Objects;

import org.apache.james.core.Domain;
import org.apache.james.core.MailAddress;

import com.google.common.base.Preconditions;

/**
 * What an ETRN request names (RFC 1985 section 3): a domain, a domain with its subdomains ({@code @domain}),
 * or a named queue ({@code #queue}). The parsed value; {@link NodeSyntax} is its grammar, shared by the ETRN
 * command, the WebAdmin route and the configuration. The one definition of which mail a node names: a node is the
 * set of recipient domains it {@link #covers}, or a queue; {@link #includes} and {@link #overlaps} compare two
 * nodes as those sets.
 */
public final class Node {
    public enum Kind {
        /** {@code ETRN customer.example}: mail for exactly that domain. */
        DOMAIN,
        /** {@code ETRN @customer.example}: mail for the domain and all its subdomains. */
        DOMAIN_AND_SUBDOMAINS,
        /** {@code ETRN #queue}: every deferred mail of a named James mail queue. */
        QUEUE
    }

    public static Node domain(String domain) {
        return new Node(Kind.DOMAIN, domain.toLowerCase(Locale.US));
    }

    public static Node domainAndSubdomains(String domain) {
        return new Node(Kind.DOMAIN_AND_SUBDOMAINS, domain.toLowerCase(Locale.US));
    }

    public static Node queue(String queueName) {
        return new Node(Kind.QUEUE, queueName);
    }

    private final Kind kind;
    private final String name;

    private Node(Kind kind, String name) {
        Preconditions.checkArgument(name != null && !name.isEmpty(), "a node needs a name");
        this.kind = kind;
        this.name = name;
    }

    public Kind kind() {
        return kind;
    }

    /** The domain (lower case) or the queue name. */
    public String name() {
        return name;
    }

    /** Whether mail for a recipient in {@code recipientDomain} is held for this node; always false for a queue node. */
    public boolean covers(Domain recipientDomain) {
        return coversDomain(recipientDomain.asString());
    }

    /**
     * Whether a mail with these recipients is the node's: when <em>any</em> recipient is covered. Without a gateway
     * RemoteDelivery has split mail per recipient domain already, and a gateway-bound mail carrying several domains
     * goes to the same gateway whoever asked, so starting it early delivers nothing to a site that did not want it.
     */
    public boolean coversAnyOf(Collection<MailAddress> recipients) {
        for (MailAddress recipient : recipients) { // a loop, not a stream: this runs for every queued mail
            if (covers(recipient.getDomain())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether every mail {@code other} names is mail this node names: {@code @d} includes {@code d},
     * {@code sub.d} and {@code @sub.d}; {@code d} includes only {@code d}; a queue only itself.
     */
    public boolean includes(Node other) {
        if (kind == Kind.QUEUE || other.kind == Kind.QUEUE) {
            return kind == other.kind && name.equals(other.name);
        }
        if (kind == Kind.DOMAIN) {
            return other.kind == Kind.DOMAIN && name.equals(other.name);
        }
        return coversDomain(other.name);
    }

    /** Whether some mail {@code other} names is also mail this node names (either includes the other). */
    public boolean overlaps(Node other) {
        return includes(other) || other.includes(this);
    }

    private boolean coversDomain(String domain) {
        switch (kind) {
            case DOMAIN:
                return domain.equals(name);
            case DOMAIN_AND_SUBDOMAINS:
                return domain.equals(name) || (domain.endsWith(name) && domain.length() > name.length()
                    && domain.charAt(domain.length() - name.length() - 1) == '.');
            default:
                return false;
        }
    }

    /** The node as written in an ETRN command. */
    public String asString() {
        switch (kind) {
            case DOMAIN_AND_SUBDOMAINS:
                return "@" + name;
            case QUEUE:
                return "#" + name;
            default:
                return name;
        }
    }

    @Override
    public boolean equals(Object o) {
        if (o instanceof Node) {
            Node that = (Node) o;
            return kind == that.kind && name.equals(that.name);
        }
        return false;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, name);
    }

    @Override
    public String toString() {
        return asString();
    }
}
