package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jamesetrn.kit.SmtpClient;

/**
 * RFC 1985's reply vocabulary, as the tests check it (the ETRN handler's own EtrnReplies builds the replies; this
 * class only reads them).
 */
final class ReplyAssertions {
    /** "253 2.0.0 OK, 3 pending messages for node customer.test started" (RFC 1985 section 5.3). */
    private static final Pattern COUNT = Pattern.compile("(\\d+) pending message");

    private ReplyAssertions() {
    }

    /** 250 queuing started, 251 nothing waiting, 252 pending messages started, 253 with their number. */
    static void assertStarted(SmtpClient.Reply reply) {
        assertThat(reply.code()).as("ETRN reply %s", reply).isBetween(250, 253);
    }

    static void assertRefused(SmtpClient.Reply reply) {
        assertThat(reply.code()).as("ETRN reply %s", reply).isEqualTo(459);
    }

    static long count(SmtpClient.Reply reply) {
        assertThat(reply.code()).as("ETRN reply %s", reply).isEqualTo(253);
        Matcher count = COUNT.matcher(reply.text());
        assertThat(count.find()).as("count in %s", reply).isTrue();
        return Long.parseLong(count.group(1));
    }
}
