package org.jamesetrn.release.queue;

import java.util.Collection;
import java.util.Optional;
import java.util.regex.Pattern;

import org.apache.james.core.MailAddress;
import org.jamesetrn.node.Node;

/**
 * Which queued mail is held for a node, by its recipients. A mail is selected when <em>any</em> of its recipients is
 * covered by the node ({@link Node#covers}): without
 * a gateway RemoteDelivery has split mail per recipient domain already, and a gateway-bound mail carrying several
 * domains goes to the same gateway whoever asked, so starting it early delivers nothing to a site that did not want
 * it. A {@code #queue} node selects every mail of its queue.
 */
final class RecipientMatch {
    /** Domains whose text can go into a JMS LIKE pattern unescaped (no {@code %}, {@code _} or quote). */
    private static final Pattern PLAIN_DOMAIN = Pattern.compile("[a-z0-9.-]+");

    private final Node node;

    RecipientMatch(Node node) {
        this.node = node;
    }

    boolean matches(Collection<MailAddress> recipients) {
        if (node.kind() == Node.Kind.QUEUE) {
            return true;
        }
        for (MailAddress recipient : recipients) { // a loop, not a stream: this runs for every queued mail
            if (node.covers(recipient.getDomain())) {
                return true;
            }
        }
        return false;
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
