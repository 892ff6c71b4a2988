package org.jamesetrn.protocol;

import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.smtp.SMTPResponse;
import org.apache.james.protocols.smtp.dsn.DSNStatus;
import org.jamesetrn.release.Node;

/**
 * The ETRN replies: RFC 1985 section 4 texts with RFC 3463 enhanced status codes. A node is shown only once parsed
 * (its characters are then safe); a syntax error never echoes the client's input.
 */
final class EtrnReplies {
    private static final String OK = DSNStatus.getStatus(DSNStatus.SUCCESS, DSNStatus.UNDEFINED_STATUS);

    private EtrnReplies() {
    }

    static Response queuingStarted(Node node) {
        return new SMTPResponse("250", OK + " OK, queuing for node " + node.asString() + " started");
    }

    static Response noMessagesWaiting(Node node) {
        return new SMTPResponse("251", OK + " OK, no messages waiting for node " + node.asString());
    }

    static Response messagesStarted(Node node, long count) {
        return new SMTPResponse("253", OK + " OK, " + count + " pending messages for node " + node.asString()
            + " started");
    }

    static Response unableToQueue(Node node) {
        return new SMTPResponse("458", DSNStatus.getStatus(DSNStatus.TRANSIENT, DSNStatus.SYSTEM_OTHER)
            + " Unable to queue messages for node " + node.asString());
    }

    static Response internalError() {
        return new SMTPResponse("458", DSNStatus.getStatus(DSNStatus.TRANSIENT, DSNStatus.SYSTEM_OTHER)
            + " Unable to queue messages: internal error, try later");
    }

    static Response rateLimited(Node node) {
        return new SMTPResponse("458", DSNStatus.getStatus(DSNStatus.TRANSIENT, DSNStatus.SECURITY_OTHER)
            + " Unable to queue messages for node " + node.asString() + ": too many ETRN requests, try later");
    }

    static Response notAllowed(Node node, String reason) {
        return new SMTPResponse("459", DSNStatus.getStatus(DSNStatus.TRANSIENT, DSNStatus.SECURITY_AUTH)
            + " Node " + node.asString() + " not allowed: " + reason);
    }

    static Response syntaxError(String reason) {
        return new SMTPResponse("501", DSNStatus.getStatus(DSNStatus.PERMANENT, DSNStatus.DELIVERY_INVALID_ARG)
            + " Syntax error in ETRN node: " + reason);
    }

    static Response badSequence(String reason) {
        return new SMTPResponse("503", DSNStatus.getStatus(DSNStatus.PERMANENT, DSNStatus.DELIVERY_INVALID_CMD)
            + " " + reason);
    }
}
