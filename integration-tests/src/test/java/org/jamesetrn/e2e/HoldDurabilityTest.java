package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.JamesInstance;
import org.jamesetrn.kit.JamesProcess;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.Repository;
import org.jamesetrn.kit.SmtpClient;
import org.jamesetrn.kit.WebAdmin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shipped conf holds under a file:// root: held mail survives kill -9 of the server, even on the memory server,
 * and a mail in flight when the server dies is held or delivered, never neither. James runs as a process of its own
 * (the assembled server, as ./james.sh runs it), killed with SIGKILL and started again on the same working directory.
 */
class HoldDurabilityTest {
    private static final Logger LOGGER = LoggerFactory.getLogger(HoldDurabilityTest.class);

    private CustomerMx site;
    private JamesInstance instance;
    private JamesProcess james;

    @BeforeEach
    void start() throws Exception {
        Repository repository = Repository.underTest();
        site = new CustomerMx(Ports.free()).start(); // listening while James picks its ports: none is the site's
        instance = JamesInstance.create(Files.createTempDirectory("james-etrn-durability"), repository.conf())
            .listenOn(Ports.free(), Ports.free())
            .gatewayPort(site.port());
        repository.extension().installInto(instance);
        james = JamesProcess.on(instance, repository.serverLib()).start();
        site.stop();
    }

    @AfterEach
    void stop() throws Exception {
        james.close();
        site.close();
        instance.delete();
    }

    @Test
    void heldMailSurvivesKillMinusNineAndIsDeliveredOnceAfterTheRestart() throws Exception {
        List<String> held = send(50);
        await().atMost(Duration.ofSeconds(30)).until(() -> heldNow() == 50);

        james.kill();
        james.start();

        assertThat(heldNow()).isEqualTo(50);
        site.start();
        assertThat(etrn()).startsWith("253 ");
        await().atMost(Duration.ofSeconds(30)).until(() -> site.deliveryCount() >= 50 && heldNow() == 0);
        assertThat(site.messageIds()).containsExactlyInAnyOrderElementsOf(held);
    }

    @Test
    void killMinusNineDuringTheDeliveryOfAReleaseLosesNothing() throws Exception {
        int mails = 300;
        List<String> held = send(mails);
        await().atMost(Duration.ofSeconds(60)).until(() -> heldNow() == mails);
        site.start();

        assertThat(etrn()).startsWith("253 ");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> site.deliveryCount() >= 30);
        long killedAt = System.nanoTime();
        james.kill();
        Set<String> beforeKill = new HashSet<>(site.messageIds());
        james.start();

        assertThat(etrn()).startsWith("25");
        await().atMost(Duration.ofSeconds(60)).until(() -> heldNow() == 0 && site.distinctMessageIds() == mails);
        Map<String, Long> deliveries = site.messageIds().stream()
            .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        Set<String> duplicates = deliveries.entrySet().stream().filter(delivery -> delivery.getValue() > 1)
            .map(Map.Entry::getKey).collect(Collectors.toSet());
        long longestBefore = site.deliveries().stream()
            .filter(delivery -> duplicates.contains(delivery.messageId()) && delivery.nanos() < killedAt)
            .mapToLong(delivery -> (killedAt - delivery.nanos()) / 1_000_000).max().orElse(0);
        LOGGER.info("kill -9 after {} of {} deliveries: all delivered after the restart, {} delivered twice, accepted by "
            + "the site at most {} ms before the kill", beforeKill.size(), mails, duplicates.size(), longestBefore);
        assertThat(site.messageIds()).containsAll(held);
        assertThat(site.distinctMessageIds()).isEqualTo(mails);
        // The window (docs/hold.md): a mail the site accepted before the kill whose outcome was not yet recorded (the
        // site's 250 on its way back, or the hold's write under way) is delivered again; nothing else is.
        assertThat(deliveries.values()).as("at most twice").allMatch(count -> count <= 2);
        assertThat(beforeKill).as("every duplicate was first delivered before the kill").containsAll(duplicates);
    }

    private List<String> send(int count) {
        List<String> messageIds = new ArrayList<>();
        try (SmtpClient client = SmtpClient.connect(james.smtpPort())) {
            client.ehlo();
            for (int i = 0; i < count; i++) {
                String id = UUID.randomUUID().toString();
                String messageId = "<" + id + "@e2e.test>";
                assertThat(client.send(EtrnRelay.SENDER, List.of(id + "@held.test"), messageId).code()).isEqualTo(250);
                messageIds.add(messageId);
            }
        }
        return messageIds;
    }

    private String etrn() {
        try (SmtpClient client = SmtpClient.connect(james.smtpPort())) {
            client.ehlo();
            return client.etrn("held.test").toString();
        }
    }

    /** How many mails the hold has for held.test, from GET /etrn/held.test. */
    private long heldNow() throws Exception {
        return EtrnRelay.deferred(new WebAdmin(james.webAdminPort(), Duration.ofSeconds(30)), "held.test");
    }
}
