package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Fence;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 3, bad input over a socket: every malformed or hostile ETRN argument, sent as raw bytes, gets 501 (a line
 * over James's limit gets James's own 500); after each the session answers NOOP and a valid ETRN; nothing moves.
 */
@ExtendWith(RelayExtension.class)
class MalformedEtrnTest {
    /** The raw command lines (CRLF is added), by what they try. */
    private static Map<String, byte[]> hostileLines() {
        Map<String, byte[]> lines = new LinkedHashMap<>();
        lines.put("no argument", ascii("ETRN"));
        lines.put("empty argument", ascii("ETRN "));
        lines.put("two arguments", ascii("ETRN customer.test other.test"));
        lines.put("@ alone", ascii("ETRN @"));
        lines.put("# alone", ascii("ETRN #"));
        lines.put("empty label", ascii("ETRN a..b"));
        lines.put("address literal", ascii("ETRN [127.0.0.1]"));
        lines.put("bare IP address", ascii("ETRN 127.0.0.1"));
        lines.put("path-like queue", ascii("ETRN #../outgoing"));
        lines.put("NUL inside", concat(ascii("ETRN customer"), new byte[] {0}, ascii(".test")));
        lines.put("bare CR then a command", ascii("ETRN customer.test\rRSET"));
        lines.put("tab inside", ascii("ETRN customer\t.test"));
        lines.put("8-bit (UTF-8 e-acute)", concat(ascii("ETRN customer"), "\u00e9".getBytes(StandardCharsets.UTF_8), ascii(".test")));
        lines.put("8-bit (Latin-1 e-acute)", concat(ascii("ETRN customer"), new byte[] {(byte) 0xe9}, ascii(".test")));
        lines.put("1,000-character label", ascii("ETRN " + "a".repeat(1000) + ".test"));
        lines.put("64-character label", ascii("ETRN " + "a".repeat(64) + ".customer.test"));
        lines.put("300-character domain of short labels", ascii("ETRN " + "abcd.".repeat(60) + "test"));
        return lines;
    }

    @Test
    void hostileArgumentsGet501TheSessionGoesOnAndNothingMoves(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> held = Mails.concat(
            Mails.deferred(relay, "customer.test", 2), Mails.deferred(relay, "sub.customer.test", 1));

        try (SmtpClient client = relay.connect()) {
            for (Map.Entry<String, byte[]> line : hostileLines().entrySet()) {
                SmtpClient.Reply reply = client.rawCommand(line.getValue());
                assertThat(reply.code()).as("%s: %s", line.getKey(), reply).isEqualTo(501);
                assertThat(reply.text()).as("%s: %s", line.getKey(), reply).startsWith("5.5.4 Syntax error in ETRN node");
                assertSessionGoesOn(client, line.getKey());
            }
            // James trims the whole command line (String.trim) before any handler sees it: trailing whitespace, NUL
            // and other control characters are gone, and what remains is a valid node.
            assertThat(client.rawCommand(concat(ascii("ETRN other.test\t"), new byte[] {0})).code()).isEqualTo(251);
        }

        mx.start();
        Fence.assertHeld(relay, mx, held);
    }

    @Test
    void aLineOverJamesLimitGetsJames500AndTheSessionGoesOn(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> held = Mails.deferred(relay, "customer.test", 1);

        try (SmtpClient client = relay.connect()) {
            // James's line decoder (8,192 bytes) answers before any command handler sees the line.
            SmtpClient.Reply reply = client.rawCommand(ascii("ETRN " + "a".repeat(10_000)));
            assertThat(reply.code()).as("%s", reply).isEqualTo(500);
            assertThat(reply.text()).contains("Line length exceeded");
            assertSessionGoesOn(client, "10,000 characters");

            mx.start();
            Fence.assertHeld(relay, mx, held);

            // The same session can still release the held mail.
            assertThat(ReplyAssertions.count(client.etrn("customer.test"))).isEqualTo(1);
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> mx.messageIds().containsAll(held));
    }

    /** NOOP answers, and a valid ETRN for a node with nothing deferred is parsed and answered 251. */
    private static void assertSessionGoesOn(SmtpClient client, String after) {
        assertThat(client.command("NOOP").code()).as("NOOP after %s", after).isEqualTo(250);
        SmtpClient.Reply valid = client.etrn("other.test");
        assertThat(valid.code()).as("valid ETRN after %s: %s", after, valid).isEqualTo(251);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            bytes.writeBytes(part);
        }
        return bytes.toByteArray();
    }
}
