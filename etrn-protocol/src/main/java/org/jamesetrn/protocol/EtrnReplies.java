package org.jamesetrn.protocol;

import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.smtp.SMTPResponse;
import org.apache.james.protocols.smtp.dsn.DSNStatus;

/**
 * The ETRN replies: RFC 1985 section 4 texts with RFC 3463 enhanced status codes, one per outcome. A node is shown
 * only once parsed (its characters are then safe); a syntax error never echoes the client's input.
 */
final class EtrnReplies {
    private static final String OK = DSNStatus.getStatus(DSNStatus.SUCCESS, DSNStatus.UNDEFINED_STATUS);

    private EtrnReplies() {
    }

    static Response to(EtrnAnswer answer) {
        String node = answer.node().map(requested -> "node " + requested.asString()).orElse("");
        switch (answer.outcome()) {
            case STARTED:
                return new SMTPResponse("253", OK + " OK, " + answer.count().getAsLong() + " pending messages for " + node
                    + " started");
            case NOTHING_WAITING:
                return new SMTPResponse("251", OK + " OK, no messages waiting for " + node);
            case QUEUING_STARTED:
                return new SMTPResponse("250", OK + " OK, queuing for " + node + " started");
            case RATE_LIMITED:
                return new SMTPResponse("458", DSNStatus.getStatus(DSNStatus.TRANSIENT, DSNStatus.SECURITY_OTHER)
                    + " Unable to queue messages for " + node + ": too many ETRN requests, try later");
            case REFUSED:
                return new SMTPResponse("459", DSNStatus.getStatus(DSNStatus.TRANSIENT, DSNStatus.SECURITY_AUTH)
                    + " Node " + answer.node().orElseThrow().asString() + " not allowed: " + answer.detail());
            case SYNTAX_ERROR:
                return new SMTPResponse("501", DSNStatus.getStatus(DSNStatus.PERMANENT, DSNStatus.DELIVERY_INVALID_ARG)
                    + " Syntax error in ETRN node: " + answer.detail());
            case BAD_SEQUENCE:
                return new SMTPResponse("503", DSNStatus.getStatus(DSNStatus.PERMANENT, DSNStatus.DELIVERY_INVALID_CMD)
                    + " " + answer.detail());
            case FAILED:
            default:
                String what = answer.node().isPresent() ? " for " + node : ": internal error, try later";
                return new SMTPResponse("458", DSNStatus.getStatus(DSNStatus.TRANSIENT, DSNStatus.SYSTEM_OTHER)
                    + " Unable to queue messages" + what);
        }
    }
}
