package org.jamesetrn.node;

/**
 * RFC 5321 {@code Domain} syntax (section 4.1.2): dot-separated labels of ASCII letters, digits and hyphens, no label
 * starting or ending with a hyphen, labels of at most 63 octets. Total length at most 253 characters: the 255 octets
 * of RFC 5321 section 4.5.3.1.2 counted on the wire, and the limit of James's {@code Domain}. The last label must not
 * start with a digit (RFC 3696 section 2: no numeric top-level domain), which also keeps bare IPv4 addresses out.
 * IDNs are accepted in their A-label form ({@code xn--...}), which is plain LDH. One trailing dot (the DNS root, as in
 * {@code customer.test.}) is accepted and stripped by {@link NodeSyntax}; address literals are not domains.
 */
final class DomainSyntax {
    private static final int MAX_LABEL = 63;
    static final int MAX_DOMAIN = 253;

    private DomainSyntax() {
    }

    /** @throws InvalidNodeException with a reason when {@code domain} is not an RFC 5321 domain. */
    static void check(String domain) throws InvalidNodeException {
        if (domain.isEmpty()) {
            throw new InvalidNodeException("empty domain");
        }
        if (domain.length() > MAX_DOMAIN) {
            throw new InvalidNodeException("domain longer than " + MAX_DOMAIN + " characters");
        }
        int labelStart = 0;
        for (int i = 0; i <= domain.length(); i++) {
            if (i == domain.length() || domain.charAt(i) == '.') {
                checkLabel(domain, labelStart, i);
                labelStart = i + 1;
            } else if (!isLetterDigitHyphen(domain.charAt(i))) {
                throw new InvalidNodeException("invalid character in domain");
            }
        }
        char topLevelStart = domain.charAt(domain.lastIndexOf('.') + 1);
        if (topLevelStart >= '0' && topLevelStart <= '9') {
            throw new InvalidNodeException("not a host name (the last label starts with a digit)");
        }
    }

    private static void checkLabel(String domain, int start, int end) throws InvalidNodeException {
        if (end == start) {
            throw new InvalidNodeException("empty label in domain");
        }
        if (end - start > MAX_LABEL) {
            throw new InvalidNodeException("domain label longer than " + MAX_LABEL + " characters");
        }
        if (domain.charAt(start) == '-' || domain.charAt(end - 1) == '-') {
            throw new InvalidNodeException("domain label starts or ends with a hyphen");
        }
    }

    private static boolean isLetterDigitHyphen(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    }
}
