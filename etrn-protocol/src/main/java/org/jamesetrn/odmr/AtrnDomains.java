package org.jamesetrn.odmr;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.jamesetrn.node.InvalidNodeException;
import org.jamesetrn.node.Node;
import org.jamesetrn.node.NodeSyntax;

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;

/**
 * The argument of ATRN (RFC 2645 section 5.2.1): {@code "ATRN" [SP domain *("," domain)]}. No argument means every
 * domain of the customer; each domain is an RFC 5321 domain as ETRN's grammar reads it ({@link NodeSyntax}: one
 * trailing dot stripped, no address literal), exact (ATRN has no {@code @domain} or {@code #queue} form), lower case.
 * Spaces around the commas are tolerated. The same grammar serves the provider (parsing) and the customer's
 * configuration.
 */
public final class AtrnDomains {
    /** Far more than any customer owns; bounds what one command makes the provider look up. */
    public static final int MAX_DOMAINS = 100;
    private static final Splitter COMMAS = Splitter.on(',').trimResults();

    private AtrnDomains() {
    }

    /** The domains asked for, in order, without repeats; empty for "every domain of the customer". */
    public static List<String> parse(String argument) throws InvalidNodeException {
        if (argument == null || argument.isBlank()) {
            return ImmutableList.of();
        }
        Set<String> domains = new LinkedHashSet<>();
        for (String written : COMMAS.split(argument.trim())) {
            domains.add(domain(written));
            if (domains.size() > MAX_DOMAINS) {
                throw new InvalidNodeException("more than " + MAX_DOMAINS + " domains");
            }
        }
        return ImmutableList.copyOf(domains);
    }

    /** One domain as ATRN names it, lower case. */
    public static String domain(String written) throws InvalidNodeException {
        if (written.isEmpty()) {
            throw new InvalidNodeException("empty domain in the list");
        }
        if (written.contains(" ")) {
            throw new InvalidNodeException("domains are separated by commas");
        }
        Node node = NodeSyntax.parse(written);
        if (node.kind() != Node.Kind.DOMAIN) {
            throw new InvalidNodeException("ATRN takes domains, not " + (node.kind() == Node.Kind.QUEUE ? "#queues" : "@domains"));
        }
        return node.name();
    }

    /** As the customer writes them in its ATRN: comma separated, no spaces. */
    public static String asArgument(List<String> domains) {
        return String.join(",", domains);
    }
}
