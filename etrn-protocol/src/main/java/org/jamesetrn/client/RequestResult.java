package org.jamesetrn.client;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jamesetrn.node.Node;
import org.jamesetrn.odmr.Printable;
import org.jamesetrn.odmr.customer.AtrnResult;

/**
 * What one ETRN request to a relay gave: the relay's reply, or why none came (unreachable, ETRN not offered, TLS or
 * AUTH failure). Reply and reason are cleaned for a log line: a relay's text is data, not log syntax.
 */
final class RequestResult {
    /** RFC 1985: {@code 253 OK, <n> pending messages for node <x> started}. */
    private static final Pattern PENDING_COUNT = Pattern.compile("\\b(\\d{1,18}) pending message");

    static RequestResult replied(UpstreamRelay relay, Node node, int code, String reply) {
        ClientOutcome outcome = ClientOutcome.ofReply(code);
        String text = clean(reply);
        return new RequestResult(relay, node, outcome, Optional.of(text), count(outcome, code, text), "");
    }

    static RequestResult failed(UpstreamRelay relay, Node node, ClientOutcome outcome, String reason) {
        return new RequestResult(relay, node, outcome, Optional.empty(), OptionalLong.empty(), clean(reason));
    }

    /**
     * What one ATRN gave, for one of the domains it asked for: the provider's reply, and after a turnaround the mails
     * this James accepted over it (for all the domains of the ATRN together).
     */
    static RequestResult atrn(UpstreamRelay relay, Node node, AtrnResult result) {
        ClientOutcome outcome = ClientOutcome.ofAtrn(result.outcome());
        boolean turnedAround = result.outcome() == AtrnResult.Outcome.TURNED_AROUND
            || result.outcome() == AtrnResult.Outcome.CUT;
        OptionalLong count = turnedAround ? OptionalLong.of(result.accepted())
            : outcome == ClientOutcome.NOTHING_WAITING ? OptionalLong.of(0) : OptionalLong.empty();
        return new RequestResult(relay, node, outcome, result.reply(), count, result.reason());
    }

    private final UpstreamRelay relay;
    private final Node node;
    private final ClientOutcome outcome;
    private final Optional<String> reply;
    private final OptionalLong count;
    private final String reason;

    private RequestResult(UpstreamRelay relay, Node node, ClientOutcome outcome, Optional<String> reply,
                          OptionalLong count, String reason) {
        this.relay = relay;
        this.node = node;
        this.outcome = outcome;
        this.reply = reply;
        this.count = count;
        this.reason = reason;
    }

    UpstreamRelay relay() {
        return relay;
    }

    Node node() {
        return node;
    }

    ClientOutcome outcome() {
        return outcome;
    }

    /** The relay's reply to ETRN, lines joined by " / ". */
    Optional<String> reply() {
        return reply;
    }

    /** Messages the relay said it started: 0 for 251, n for 253 when it gives the count. */
    OptionalLong count() {
        return count;
    }

    /** Why no reply came; empty when one did. */
    String reason() {
        return reason;
    }

    private static OptionalLong count(ClientOutcome outcome, int code, String reply) {
        if (outcome == ClientOutcome.NOTHING_WAITING) {
            return OptionalLong.of(0);
        }
        Matcher pending = PENDING_COUNT.matcher(reply);
        return code == 253 && pending.find() ? OptionalLong.of(Long.parseLong(pending.group(1))) : OptionalLong.empty();
    }

    /** One line of printable ASCII, bounded: relays' replies and exception messages go into log lines and JSON. */
    static String clean(String text) {
        return Printable.clean(text);
    }
}
