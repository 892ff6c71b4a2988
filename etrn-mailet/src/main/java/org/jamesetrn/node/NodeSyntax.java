package org.jamesetrn.node;

import java.util.Locale;
import java.util.Optional;

/**
 * The ETRN argument grammar (RFC 1985 section 3): {@code ETRN SP node}, where node is
 * <ul>
 *   <li>{@code domain}: mail for exactly that domain,</li>
 *   <li>{@code @domain}: mail for the domain and all its subdomains,</li>
 *   <li>{@code #queue}: a named James mail queue: a letter or digit, then letters, digits, {@code . _ -} (the RFC
 *   leaves its syntax to the server; this keeps out path-like names such as {@code #..}).</li>
 * </ul>
 * Decisions: one trailing dot is accepted and stripped ({@code customer.test.} is the same node as
 * {@code customer.test}); address literals ({@code [192.0.2.1]}) are refused, ETRN names hosts, not addresses;
 * anything else (no argument, several arguments, control characters, 8-bit, over-long) is a syntax error.
 */
public final class NodeSyntax {
    private static final int MAX_QUEUE_NAME = 255;
    /** The longest node: {@code #} and a queue name, or {@code @}, a domain and the root dot. */
    private static final int MAX_ARGUMENT = Math.max(1 + MAX_QUEUE_NAME, 1 + DomainSyntax.MAX_DOMAIN + 1);

    private NodeSyntax() {
    }

    public static Node parse(String argument) throws InvalidNodeException {
        if (argument == null || argument.isEmpty()) {
            throw new InvalidNodeException("a node is required: ETRN <domain>, ETRN @<domain> or ETRN #<queue>");
        }
        // Checked before anything else so that no rule below ever meets whitespace, controls or 8-bit characters.
        checkPrintableAscii(argument);
        switch (argument.charAt(0)) {
            case '#':
                return Node.queue(queueName(argument.substring(1)));
            case '@':
                return Node.domainAndSubdomains(domain(argument.substring(1)));
            case '[':
                throw new InvalidNodeException("address literals are not accepted, ETRN names a host");
            default:
                return Node.domain(domain(argument));
        }
    }

    /**
     * A host name as a node domain: lower case, without the root dot; empty when it is none (an address literal, a
     * name with other characters). The name a recipient's domain is held under.
     */
    public static Optional<String> hostName(String domain) {
        try {
            return Optional.of(domain(domain).toLowerCase(Locale.ROOT));
        } catch (InvalidNodeException e) {
            return Optional.empty();
        }
    }

    private static void checkPrintableAscii(String argument) throws InvalidNodeException {
        if (argument.length() > MAX_ARGUMENT) {
            throw new InvalidNodeException("node too long");
        }
        for (int i = 0; i < argument.length(); i++) {
            char c = argument.charAt(i);
            if (c == ' ') {
                throw new InvalidNodeException("exactly one node is expected");
            }
            if (c < 0x21 || c > 0x7e) {
                throw new InvalidNodeException("invalid character in node");
            }
        }
    }

    private static String domain(String domain) throws InvalidNodeException {
        String withoutRoot = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        DomainSyntax.check(withoutRoot);
        return withoutRoot;
    }

    private static String queueName(String name) throws InvalidNodeException {
        if (name.isEmpty()) {
            throw new InvalidNodeException("empty queue name");
        }
        if (name.length() > MAX_QUEUE_NAME) {
            throw new InvalidNodeException("queue name too long");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean letterOrDigit = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            boolean allowed = letterOrDigit || (i > 0 && (c == '.' || c == '_' || c == '-'));
            if (!allowed) {
                throw new InvalidNodeException("invalid character in queue name");
            }
        }
        return name;
    }
}
