package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.e2e.fixture.RelayAndMx;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.e2e.fixture.SiteAndSender;
import org.jamesetrn.kit.Conf;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.SmtpClient;
import org.jamesetrn.kit.TestDns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import com.google.common.base.Strings;

/**
 * The hold at the worst moments (issue 17), each case on a relay of its own whose conf follows James's distributed
 * pattern: every relayed domain that is not held is parked (one attempt, then the hold). Held domains: held.test,
 * slow.test, d1.test and d2.test and the longest domain name there is, released through the gateway to the site;
 * dyn.test, released through DNS. release.claim.timeout is 4 s, so that a claim left to lapse shows within a test.
 * The sender's MX (sender.test) is a server of its own: every DSN lands there.
 */
class HoldEdgeTest {
    /** 253 characters, the longest domain name, held (the hold use) and parked (the park use). */
    static final String LONG_HELD = longest("held-long.test");
    static final String LONG_PARKED = longest("parked-long.test");
    private static final List<String> GATEWAY_HELD = List.of("held.test", "slow.test", "d1.test", "d2.test", LONG_HELD);

    private static SiteAndSender servers;
    private static CustomerMx site;
    private static CustomerMx senderMx;
    private static TestDns dns;
    private static EtrnRelay relay;

    static String longest(String last) {
        String label = Strings.repeat("x", 63);
        String domain = label + "." + label + "." + label + "." + last;
        return Strings.repeat("y", 253 - domain.length() - 1) + "." + domain;
    }

    @BeforeAll
    static void start() throws Exception {
        String nodes = "@customer.test, other.test, " + String.join(", ", GATEWAY_HELD) + ", dyn.test, parked.test, "
            + "dnsfail.test, " + LONG_PARKED;
        String options = EtrnRelay.HANDLER_OPTIONS.replaceFirst("<nodes>[^<]*</nodes>", "<nodes>" + nodes + "</nodes>");
        servers = SiteAndSender.start(options, HoldEdgeTest::edgeConf);
        site = servers.site;
        senderMx = servers.senderMx;
        relay = servers.relay;
        dns = servers.dns.mx(LONG_PARKED, site.port());
    }

    private static void edgeConf(Conf conf) {
        conf.setProperty("etrn.properties", "release.claim.timeout", "4s");
        conf.editXml("mailetcontainer.xml", document -> {
            NodeList mailets = document.getElementsByTagName("mailet");
            for (int i = 0; i < mailets.getLength(); i++) {
                Element mailet = (Element) mailets.item(i);
                String processor = ((Element) mailet.getParentNode()).getAttribute("state");
                String match = mailet.getAttribute("match");
                if (processor.equals("relay") && match.equals("HostIs=held.test")) {
                    mailet.setAttribute("match", "HostIs=" + String.join(",", GATEWAY_HELD) + ",dyn.test");
                } else if (processor.equals("relay") && match.equals("HostIs=parked.test")) {
                    mailet.setAttribute("match", "All"); // the park for every relayed domain
                } else if (processor.equals("etrn-release") && match.equals("HostIs=held.test")) {
                    mailet.setAttribute("match", "HostIs=" + String.join(",", GATEWAY_HELD));
                }
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        servers.close();
    }

    @BeforeEach
    void clean() {
        servers.reset();
        dns.mxAddressLookupFails("dyn.test").mxAddressLookupFails("dnsfail.test");
    }

    /**
     * Case 2. Failed on main (claims were never renewed): with a 4 s claim timeout and a site taking 12 s to answer
     * each first copy while the site repeats ETRN, held mails arrived twice.
     */
    @Test
    void aSiteSlowerThanTheClaimTimeoutNeverGetsASecondCopy() throws Exception {
        site.stallBeforeAcceptingFirstCopy(Duration.ofSeconds(12)).start();
        List<String> held = Mails.send(relay, "slow.test", 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("slow.test") == 3);

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
            relay.etrn("slow.test");
            return site.messageIdsFor("slow.test").size() >= 3 && relay.heldCount() == 0;
        });
        // The site keeps asking: a late copy would show now (a copy sent when its claim lapsed arrives at once, its
        // first copy once the site's 12 s are over).
        await().during(Duration.ofSeconds(15)).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
            relay.etrn("slow.test");
            return site.messageIdsFor("slow.test").size() == 3;
        });
        assertThat(site.messageIdsFor("slow.test")).containsExactlyInAnyOrderElementsOf(held);
    }

    /**
     * Cases 5 and 11. Failed on main: a mail for two held domains whose second write failed was held again in full
     * when the spool retried it, the domain already written under a new identity, so that its recipient got the mail
     * twice; meanwhile mail for the domain that could not be written was still answered 250.
     */
    @Test
    void aMailRetriedAfterAStorageFailurePartWayIsDeliveredOnceAndItsDomainIsRefusedForNowMeanwhile() throws Exception {
        site.start();
        Path d2 = relay.holdFolder("d2.test");
        Files.createDirectories(d2.getParent());
        Files.writeString(d2, "a file where d2.test's repository goes: its writes fail");
        try {
            HoldPerRecipientTest.send(relay, "<two-domains@e2e.test>", "a@d1.test", "b@d2.test");
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.heldCount("d1.test") == 1);

            try (SmtpClient client = relay.connect()) {
                client.command("MAIL FROM:<" + EtrnRelay.SENDER + ">");
                // The hold knows once its write of d2.test's part failed.
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.command("RCPT TO:<c@d2.test>")
                    .last()).as("the hold cannot store d2.test's mail now").startsWith("451 4.3.0"));
            }
            ReplyAssertions.assertStarted(relay.etrn("d1.test"));
            await().atMost(Duration.ofSeconds(15)).until(() -> site.messageIdsFor("d1.test").size() == 1);
        } finally {
            Files.delete(d2);
        }

        // The spool tries the whole mail again (every 10 s): d2.test's part is held now, d1.test's not again.
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.heldCount("d2.test") == 1);
        try (SmtpClient client = relay.connect()) {
            client.command("MAIL FROM:<" + EtrnRelay.SENDER + ">");
            assertThat(client.command("RCPT TO:<c@d2.test>").code()).isEqualTo(250);
        }
        relay.etrn("d1.test");
        ReplyAssertions.assertStarted(relay.etrn("d2.test"));
        await().atMost(Duration.ofSeconds(15)).until(() -> site.messageIdsFor("d2.test").size() == 1
            && relay.heldCount() == 0);
        relay.etrn("d1.test");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> site.deliveryCount() == 2);
        assertThat(HoldPerRecipientTest.delivered(site)).containsExactlyInAnyOrder("a@d1.test", "b@d2.test");
    }

    /**
     * Case 6. Failed on main: James's file repository makes a file name of twice the key's length, and the key was
     * the mail's name with {@code -to-<domain>} (and a suffix when put back): a long domain could not be held (park)
     * or put back (hold), and the mail came back to the spool every 10 s for ever.
     */
    @Test
    void theLongestDomainNameIsHeldPutBackAndDeliveredOnBothUses() throws Exception {
        site.refuse(RelayAndMx.SITE_DOWN).start();
        List<String> held = Mails.send(relay, LONG_HELD, 1);
        List<String> parked = Mails.send(relay, LONG_PARKED, 1);
        await().atMost(Duration.ofSeconds(15)).until(() -> relay.heldCount(LONG_HELD) == 1
            && relay.heldCount(LONG_PARKED) == 1);

        Map<String, String> before = generations("" + LONG_HELD);
        ReplyAssertions.assertStarted(relay.etrn(LONG_HELD)); // the site is down: the mail is put back
        await().atMost(Duration.ofSeconds(15)).until(() -> changed(before, LONG_HELD) == 1);

        site.answer();
        ReplyAssertions.assertStarted(relay.etrn(LONG_HELD));
        ReplyAssertions.assertStarted(relay.etrn(LONG_PARKED));
        await().atMost(Duration.ofSeconds(15)).until(() -> relay.heldCount() == 0);
        assertThat(site.messageIdsFor(LONG_HELD)).containsExactlyElementsOf(held);
        assertThat(site.messageIdsFor(LONG_PARKED)).containsExactlyElementsOf(parked);
    }

    /**
     * Case 7. Failed on main: with the park for every domain, a recipient that is an address literal and failed for
     * now reached the hold, which cannot hold it, and went on to the end of the processor: James deleted it.
     */
    @Test
    void aRecipientTheHoldCannotHoldGoesOnToARemoteDeliveryWithRetries() throws Exception {
        HoldPerRecipientTest.send(relay, "<literal@e2e.test>", "someone@[127.0.0.2]");

        // James's MailAddress gives an address literal's domain without its brackets. Lost, it would be in no queue.
        await().atMost(Duration.ofSeconds(30)).until(() -> waitingAnywhere("someone@127.0.0.2").isPresent()
            || !senderMx.deliveries().isEmpty());
        assertThat(waitingAnywhere("someone@127.0.0.2")).hasValueSatisfying(mail -> assertThat(mail.nextDelivery())
            .hasValueSatisfying(next -> assertThat(next).isAfter(java.time.Instant.now().plusSeconds(50 * 60))));
    }

    /** The mail for this recipient waiting in one of the relay's RemoteDelivery queues, if any. */
    private static java.util.Optional<org.jamesetrn.kit.ProbeRoutes.Waiting> waitingAnywhere(String recipient) throws Exception {
        for (String queue : java.util.stream.Stream.concat(EtrnRelay.QUEUES.stream(), EtrnRelay.HOLD_QUEUES.stream())
            .collect(Collectors.toList())) {
            if (relay.queues().sizeIfExists(queue) > 0) {
                for (org.jamesetrn.kit.ProbeRoutes.Waiting mail : relay.queues().waiting(queue)) {
                    if (mail.recipients().contains(recipient)) {
                        return java.util.Optional.of(mail);
                    }
                }
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * Case 8. Failed on main (maxDnsProblemRetries 0): a lookup that fails for now was a permanent failure, so parked
     * mail bounced on its first attempt, and a held node's probe bounced, then every held mail of the node.
     */
    @Test
    void aDnsLookupThatFailsForNowLeavesParkedAndHeldMailHeld() throws Exception {
        site.start();
        List<String> parked = Mails.send(relay, "dnsfail.test", 3);
        List<String> held = Mails.send(relay, "dyn.test", 2);
        await().atMost(Duration.ofSeconds(20)).until(() -> relay.heldCount("dnsfail.test") == 3
            && relay.heldCount("dyn.test") == 2);

        Map<String, String> dynBefore = generations("dyn.test");
        Map<String, String> parkedBefore = generations("dnsfail.test");
        ReplyAssertions.assertStarted(relay.etrn("dyn.test"));
        ReplyAssertions.assertStarted(relay.etrn("dnsfail.test"));
        // Probe first: one attempt each, failed for now, its mail held again under a new generation.
        await().atMost(Duration.ofSeconds(15)).until(() -> changed(dynBefore, "dyn.test") >= 1
            && changed(parkedBefore, "dnsfail.test") >= 1);
        assertThat(senderMx.deliveries()).as("no DSN").isEmpty();
        // An outcome stores the successor (synced) before it removes the entry: the settled state is awaited.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(relay.held("dyn.test")).hasSize(2);
            assertThat(relay.held("dnsfail.test")).hasSize(3);
        });

        dns.mx("dyn.test", site.port()).mx("dnsfail.test", site.port());
        ReplyAssertions.assertStarted(relay.etrn("dyn.test"));
        ReplyAssertions.assertStarted(relay.etrn("dnsfail.test"));
        await().atMost(Duration.ofSeconds(20)).until(() -> relay.heldCount() == 0);
        assertThat(site.messageIdsFor("dyn.test")).containsExactlyInAnyOrderElementsOf(held);
        assertThat(site.messageIdsFor("dnsfail.test")).containsExactlyInAnyOrderElementsOf(parked);
        assertThat(senderMx.deliveries()).isEmpty();
    }

    /**
     * The domain's held entries now: Message-ID to generation (both generations, while an outcome has stored an entry's
     * successor and not yet removed the entry).
     */
    private static Map<String, String> generations(String domain) throws Exception {
        return relay.held(domain).stream()
            .collect(Collectors.toMap(Mails::messageId, held -> held.generation().orElse(""), (one, other) -> one + "," + other));
    }

    /** How many of those entries were written again since (an attempt failed for now), all of them still held. */
    private static long changed(Map<String, String> before, String domain) throws Exception {
        Map<String, String> now = generations(domain);
        if (!now.keySet().equals(before.keySet())) {
            return -1;
        }
        return now.entrySet().stream().filter(entry -> !entry.getValue().equals(before.get(entry.getKey()))).count();
    }
}
