package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.ProbeRoutes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scenario 5: ETRN while the site's MX is still down costs the mail nothing. Each ETRN-started attempt fails, yet
 * the retry count stays where RemoteDelivery left it and the next retry is again a first-delay away; more ETRNs
 * than maxRetries (5 in conf/) cause no bounce. Once the MX is up, one more ETRN delivers.
 */
@ExtendWith(RelayExtension.class)
class EtrnWhileSiteDownTest {
    private static final int MORE_THAN_MAX_RETRIES = 7;
    private static final Duration FIRST_DELAY = Duration.ofHours(1);

    @Test
    void failedEtrnAttemptsKeepTheRetryBudgetAndCauseNoBounce(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> deferred = Mails.deferred(relay, "customer.test", 2);
        Map<String, ProbeRoutes.Waiting> before = byMessageId(Mails.waiting(relay));

        for (int attempt = 1; attempt <= MORE_THAN_MAX_RETRIES; attempt++) {
            Instant asked = Instant.now();
            assertThat(ReplyAssertions.count(relay.etrn("customer.test"))).isEqualTo(deferred.size());
            // The attempt is over when RemoteDelivery has put each mail back with a fresh delay counted from it.
            await().atMost(Duration.ofSeconds(10)).until(() -> Mails.waiting(relay).stream()
                .filter(mail -> deferred.contains(Mails.messageId(mail)))
                .filter(mail -> mail.nextDelivery().filter(next -> next.isAfter(asked.plus(FIRST_DELAY).minusSeconds(1))).isPresent())
                .count() == deferred.size());

            Map<String, ProbeRoutes.Waiting> after = byMessageId(Mails.waiting(relay));
            assertThat(after.keySet()).as("no bounce, nothing else queued").containsExactlyInAnyOrderElementsOf(deferred);
            for (String messageId : deferred) {
                assertThat(after.get(messageId).retries()).as("retry count of %s", messageId)
                    .isEqualTo(before.get(messageId).retries());
                assertThat(after.get(messageId).nextDelivery()).as("next retry of %s", messageId)
                    .hasValueSatisfying(next -> assertThat(next).isBefore(Instant.now().plus(FIRST_DELAY).plusSeconds(1)));
            }
        }

        mx.start();
        ReplyAssertions.assertStarted(relay.etrn("customer.test"));
        await().atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(mx.messageIds()).containsExactlyInAnyOrderElementsOf(deferred));
        await().atMost(Duration.ofSeconds(10)).until(() -> Mails.queued(relay) == 0);
        assertThat(mx.messageIdsFor("sender.test")).as("bounces to the sender").isEmpty();
    }

    private static Map<String, ProbeRoutes.Waiting> byMessageId(List<ProbeRoutes.Waiting> mails) {
        return mails.stream().collect(Collectors.toMap(Mails::messageId, Function.identity()));
    }
}
