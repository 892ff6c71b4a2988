package org.jamesetrn.release.queue;

import java.util.Collection;
import java.util.Optional;
import java.util.regex.Pattern;

import org.apache.james.core.MailAddress;
import org.jamesetrn.node.Node;

/**
 * Which queued mail is held for a node: every mail of its queue for a {@code #queue} node, else the mail with a
 * recipient the node covers ({@link Node#coversAnyOf}).
 */
final class RecipientMatch {
    /** Domains whose text can go into a JMS LIKE pattern unescaped (no {@code %}, {@code _} or quote). */
    private static final Pattern PLAIN_DOMAIN = Pattern.compile("[a-z0-9.-]+");

    private final Node node;

    RecipientMatch(Node node) {
        this.node = node;
    }

    boolean matches(Collection<MailAddress> recipients) {
        return node.kind() == Node.Kind.QUEUE || node.coversAnyOf(recipients);
    }

    /**
     * A JMS selector narrowing the recipients list ({@code a@x;b@y}) to the node, so that a release only locks mail
     * that probably matches; {@link #matches} stays the authority. Empty when no narrowing is possible.
     */
    Optional<String> jmsRecipientsSelector(String recipientsProperty) {
        if (node.kind() == Node.Kind.QUEUE || !PLAIN_DOMAIN.matcher(node.name()).matches()) {
            return Optional.empty();
        }
        String exact = endsWithDomain(recipientsProperty, "@" + node.name());
        if (node.kind() == Node.Kind.DOMAIN) {
            return Optional.of(exact);
        }
        return Optional.of("(" + exact + " OR " + endsWithDomain(recipientsProperty, "." + node.name()) + ")");
    }

    private static String endsWithDomain(String property, String suffix) {
        return "(" + property + " LIKE '%" + suffix + "' OR " + property + " LIKE '%" + suffix + ";%')";
    }
}
