package org.jamesetrn.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.jamesetrn.node.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.google.common.collect.ImmutableList;

class RequestResultTest {
    private static final Node NODE = Node.domain("customer.test");
    private static final UpstreamRelay RELAY = UpstreamRelay.of("provider", "mx.provider.test", 25, StartTls.OFF,
        Optional.empty(), ImmutableList.of(NODE));

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "250, QUEUING_STARTED, false",
        "251, NOTHING_WAITING, false",
        "252, STARTED, false",
        "253, STARTED, false",
        "254, QUEUING_STARTED, false",
        "458, DEFERRED, true",
        "421, DEFERRED, true",
        "450, DEFERRED, true",
        "459, REFUSED, false",
        "500, REFUSED, false",
        "502, REFUSED, false",
        "554, REFUSED, false",
        "354, REFUSED, false"})
    void rfc1985Replies(int code, ClientOutcome outcome, boolean retried) {
        assertThat(ClientOutcome.ofReply(code)).isEqualTo(outcome);
        assertThat(ClientOutcome.ofReply(code).retried()).isEqualTo(retried);
    }

    @Test
    void the253CountIsRead() {
        RequestResult result = RequestResult.replied(RELAY, NODE, 253, "253 2.0.0 OK, 12 pending messages for node customer.test started\n");

        assertThat(result.count()).hasValue(12);
        assertThat(result.reply()).contains("253 2.0.0 OK, 12 pending messages for node customer.test started");
    }

    @Test
    void noCountWhenTheRelayGivesNone() {
        assertThat(RequestResult.replied(RELAY, NODE, 250, "250 Queuing started").count()).isEmpty();
        assertThat(RequestResult.replied(RELAY, NODE, 252, "252 OK, pending messages for node x started").count()).isEmpty();
        assertThat(RequestResult.replied(RELAY, NODE, 253, "253 OK, messages started").count()).isEmpty();
    }

    @Test
    void aRelaysTextIsOneCleanBoundedLine() {
        RequestResult result = RequestResult.replied(RELAY, NODE, 458,
            "458-first line\r\n458 second\u001b[31m line\u0000 é\n");

        assertThat(result.reply()).contains("458-first line / 458 second?[31m line? ?");

        String longReply = "250 " + "x".repeat(1000);
        assertThat(RequestResult.replied(RELAY, NODE, 250, longReply).reply().orElseThrow()).hasSize(303).endsWith("...");
    }
}
