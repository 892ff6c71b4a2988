package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Fence;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.kit.CustomerMx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator's ETRN: {@code POST /etrn/{node}} on James's WebAdmin, loaded from the shipped
 * conf/webadmin.properties {@code extensions.routes}, releases through the same engine as the SMTP command, under the
 * ETRN handler's node rules ({@link WebAdminPolicyTest}: on the shipped handler element).
 */
@ExtendWith(RelayExtension.class)
class WebAdminReleaseTest {
    private static final Duration DELIVERY = Duration.ofSeconds(2);

    @Test
    void releasesTheNodeAnswersTheCountAndTheMailArrives(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> customer = Mails.deferred(relay, "customer.test", 3);
        List<String> other = Mails.deferred(relay, "other.test", 1);
        mx.start();

        HttpResponse<String> response = post(relay, "/etrn/%40customer.test");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"node\":\"@customer.test\",\"released\":3}");
        await().atMost(DELIVERY)
            .untilAsserted(() -> assertThat(mx.messageIds()).containsExactlyInAnyOrderElementsOf(customer));
        Fence.assertHeld(relay, mx, other);

        assertThat(post(relay, "/etrn/customer.test").body()).isEqualTo("{\"node\":\"customer.test\",\"released\":0}");
    }

    @Test
    void aQueueTheEtrnHandlerDoesNotServeIs403UnlessForced(EtrnRelay relay, CustomerMx mx) throws Exception {
        // The handler's <queues> lists only outgoing-smarthost; the engine serves both queues.
        List<String> dns = Mails.deferred(relay, "other.test", 2);
        mx.start();

        HttpResponse<String> refused = post(relay, "/etrn/%23" + EtrnRelay.DNS_QUEUE);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("Node #" + EtrnRelay.DNS_QUEUE + " not released: queue not served by this server");
        Fence.assertHeld(relay, mx, dns);

        HttpResponse<String> forced = post(relay, "/etrn/%23" + EtrnRelay.DNS_QUEUE + "?force=true");

        assertThat(forced.statusCode()).isEqualTo(200);
        assertThat(forced.body()).isEqualTo("{\"node\":\"#" + EtrnRelay.DNS_QUEUE + "\",\"released\":2}");
        await().atMost(DELIVERY).untilAsserted(() -> assertThat(mx.messageIds()).containsAll(dns));
    }

    @Test
    void syntaxErrorIs400AndUnknownQueueIs404AndNothingMoves(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> customer = Mails.deferred(relay, "customer.test", 1);
        mx.start();

        HttpResponse<String> malformed = post(relay, "/etrn/a..b");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).contains("\"type\":\"InvalidArgument\"", "Invalid ETRN node: empty label in domain");

        HttpResponse<String> unknown = post(relay, "/etrn/%23nosuch?force=true");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("\"type\":\"notFound\"", "Queue nosuch is not served by ETRN");

        Fence.assertHeld(relay, mx, customer);
    }

    private static HttpResponse<String> post(EtrnRelay relay, String path) throws Exception {
        return relay.webAdmin().post(path);
    }
}
