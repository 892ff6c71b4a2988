package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.ProbeRoutes;
import org.jamesetrn.kit.WebAdmin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator's view of the hold on WebAdmin: {@code GET /etrn/{node}}, a release that outlives the answer as a James
 * task, and James's own {@code /mailRepositories} routes working on the hold's repositories.
 */
@ExtendWith(RelayExtension.class)
class HoldAdminTest {
    private static final String HELD_REPOSITORY = URLEncoder.encode("var/mail/etrn-hold/held.test", StandardCharsets.UTF_8);

    @Test
    void getShowsTheHeldMailItsSizeAgeAndNextExpiry(EtrnRelay relay, CustomerMx mx) throws Exception {
        Mails.send(relay, "held.test", 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("held.test") == 2);
        // Counted as soon as a key is listed, read once its files are written: both, read.
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.held("held.test").size() == 2);
        List<ProbeRoutes.Held> entries = relay.held("held.test");
        Instant oldest = entries.stream().map(held -> held.since().orElseThrow()).min(Instant::compareTo).orElseThrow();

        HttpResponse<String> response = relay.webAdmin().get("/etrn/held.test");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
            .startsWith("{\"node\":\"held.test\",\"mails\":2,\"bytes\":")
            .contains("\"nextExpiry\":\"" + oldest.plus(Duration.ofDays(5)) + "\"")
            .contains("{\"kind\":\"hold\",\"source\":\"file://var/mail/etrn-hold/held.test\",\"mails\":2,")
            .contains("{\"kind\":\"queue\",\"source\":\"outgoing-smarthost\",\"mails\":0,\"bytes\":0}");
        assertThat(relay.held("held.test")).as("GET moves nothing").hasSize(2);
    }

    @Test
    void aReleaseStillRunningWhenPostAnswersIsATaskToFollow(EtrnRelay relay, CustomerMx mx) throws Exception {
        Mails.send(relay, "held.test", 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("held.test") == 2);
        mx.stall().start();
        WebAdmin webAdmin = relay.webAdmin();

        HttpResponse<String> response = webAdmin.post("/etrn/held.test");

        // The probe is stuck in the stalled site's session past the route's 30 s: the answer names a task.
        assertThat(response.statusCode()).isEqualTo(202);
        Matcher taskId = Pattern.compile("\"taskId\":\"([0-9a-f-]+)\"").matcher(response.body());
        assertThat(taskId.find()).as("taskId in %s", response.body()).isTrue();
        assertThat(response.body()).startsWith("{\"node\":\"held.test\",\"released\":2,");
        HttpResponse<String> task = webAdmin.get("/tasks/" + taskId.group(1));
        assertThat(task.body()).contains("\"type\":\"etrn-node-release\"", "\"node\":\"held.test\"");

        mx.stop(); // the site drops the session: the probe fails, back to the hold, the release ends
        HttpResponse<String> ended = webAdmin.get("/tasks/" + taskId.group(1) + "/await?timeout=30s");
        assertThat(ended.body()).contains("\"status\":\"completed\"", "\"counted\":2", "\"dispatched\":1");
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("held.test") == 2);
    }

    @Test
    void jamesMailRepositoryRoutesListDeleteAndReprocessHeldMailExactlyOnce(EtrnRelay relay, CustomerMx mx) throws Exception {
        List<String> held = Mails.send(relay, "held.test", 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("held.test") == 2);
        mx.start();
        WebAdmin webAdmin = relay.webAdmin();

        assertThat(webAdmin.get("/mailRepositories").body()).contains("\"repository\":\"var/mail/etrn-hold/held.test\"");
        String keys = webAdmin.get("/mailRepositories/" + HELD_REPOSITORY + "/mails").body();
        List<ProbeRoutes.Held> entries = relay.held("held.test");
        assertThat(keys).contains(entries.get(0).key(), entries.get(1).key());

        assertThat(webAdmin.delete("/mailRepositories/" + HELD_REPOSITORY + "/mails/" + entries.get(0).key()).statusCode())
            .isEqualTo(204);
        assertThat(relay.held("held.test")).extracting(ProbeRoutes.Held::key).containsExactly(entries.get(1).key());

        // Reprocess with no processor: the held mail's state, the hold's release processor, where HoldDelivery takes it over.
        HttpResponse<String> reprocess = webAdmin.patchJson("/mailRepositories/" + HELD_REPOSITORY + "/mails?action=reprocess", "");
        assertThat(reprocess.statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(10)).until(() -> mx.deliveryCount() == 1 && relay.heldCount() == 0);
        assertThat(mx.messageIds()).containsExactly(Mails.messageId(entries.get(1)));
        assertThat(held).contains(Mails.messageId(entries.get(1)));
    }
}
