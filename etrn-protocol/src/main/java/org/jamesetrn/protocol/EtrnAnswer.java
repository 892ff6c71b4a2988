package org.jamesetrn.protocol;

import java.util.Optional;
import java.util.OptionalLong;

import org.jamesetrn.node.Node;

/**
 * What the handler decided for one ETRN: the outcome, the node when the argument was one, a detail for the log (a
 * refusal or syntax reason, never the client's raw input) and the count when known. The audit records it, the
 * replies turn it into the SMTP reply: both read the same value.
 */
final class EtrnAnswer {
    static EtrnAnswer badSequence(String reason) {
        return new EtrnAnswer(EtrnOutcome.BAD_SEQUENCE, Optional.empty(), reason, OptionalLong.empty());
    }

    static EtrnAnswer syntaxError(String reason) {
        return new EtrnAnswer(EtrnOutcome.SYNTAX_ERROR, Optional.empty(), reason, OptionalLong.empty());
    }

    /** A failure before the node is known (a bug): the reply says "internal error". */
    static EtrnAnswer internalError() {
        return new EtrnAnswer(EtrnOutcome.FAILED, Optional.empty(), "internal error", OptionalLong.empty());
    }

    static EtrnAnswer of(EtrnOutcome outcome, Node node, String detail) {
        return new EtrnAnswer(outcome, Optional.of(node), detail, OptionalLong.empty());
    }

    static EtrnAnswer counted(EtrnOutcome outcome, Node node, long count) {
        return new EtrnAnswer(outcome, Optional.of(node), "", OptionalLong.of(count));
    }

    private final EtrnOutcome outcome;
    private final Optional<Node> node;
    private final String detail;
    private final OptionalLong count;

    private EtrnAnswer(EtrnOutcome outcome, Optional<Node> node, String detail, OptionalLong count) {
        this.outcome = outcome;
        this.node = node;
        this.detail = detail;
        this.count = count;
    }

    EtrnOutcome outcome() {
        return outcome;
    }

    /** The requested node; empty before it was parsed (503, 501, internal error). */
    Optional<Node> node() {
        return node;
    }

    /** Why (refusal, syntax, failure), for the log; the 459/501/503 replies show it too. */
    String detail() {
        return detail;
    }

    /** The deferred mails started, when known (also when private replies do not show it). */
    OptionalLong count() {
        return count;
    }

    @Override
    public String toString() {
        return outcome + node.map(n -> " " + n).orElse("") + (detail.isEmpty() ? "" : " " + detail)
            + (count.isPresent() ? " count=" + count.getAsLong() : "");
    }
}
