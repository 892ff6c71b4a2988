package org.jamesetrn.odmr.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.james.core.MailAddress;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.jamesetrn.hold.AttemptOutcome;
import org.jamesetrn.odmr.SmtpSink;
import org.jamesetrn.odmr.TestHold;
import org.jamesetrn.odmr.customer.AtrnRequest;
import org.jamesetrn.odmr.customer.AtrnResult;
import org.jamesetrn.odmr.customer.AtrnSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both sides of RFC 2645 over real sockets: the customer's side ({@link AtrnSession}) asks the provider's listener,
 * which turns the connection around and delivers held mail from a {@link TestHold}; the customer relays the
 * reversed session to its own SMTP server (James's SMTP protocol server, {@link SmtpSink}), which answers per
 * recipient. Checks what arrives, and what the hold was told for each attempt.
 */
class OdmrTurnaroundTest {
    private final TestHold hold = new TestHold();
    private final RecordingMetricFactory metrics = new RecordingMetricFactory();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private OdmrListener listener;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
        if (listener != null) {
            listener.stop();
        }
    }

    private OdmrListener listen(OdmrSettings.Builder settings) throws Exception {
        listener = new OdmrListener(settings.build(), Customers.of(List.of(OdmrListenerTest.EXAMPLE, OdmrListenerTest.OTHER)),
            Optional.of(hold), metrics, Optional.empty());
        listener.start();
        return listener;
    }

    private SmtpSink sink() throws Exception {
        return sink(true);
    }

    private SmtpSink sink(boolean pipelining) throws Exception {
        SmtpSink sink = new SmtpSink(pipelining);
        closeables.add(sink);
        return sink;
    }

    private AtrnResult atrn(SmtpSink sink, String user, String secret, List<String> domains) {
        return atrn(sink.address(), user, secret, domains);
    }

    private AtrnResult atrn(InetSocketAddress deliverTo, String user, String secret, List<String> domains) {
        return new AtrnSession(Duration.ofSeconds(10), Optional.of("customer.example.org"))
            .ask(AtrnRequest.of("127.0.0.1", listener.address().orElseThrow().getPort(), false, false, user, secret,
                domains, deliverTo));
    }

    private AtrnResult atrn(SmtpSink sink, List<String> domains) {
        return atrn(sink, "example.org", OdmrListenerTest.SECRET, domains);
    }

    @Test
    void theHeldMailOfEveryAskedDomainArrivesOnceOverTheOneConnectionAndLeavesTheHold() throws Exception {
        listen(OdmrListenerTest.settings());
        List<String> held = List.of(hold.hold("example.org", "alice"), hold.hold("example.org", "bob", "carol"),
            hold.hold("example.com", "dave"));
        String notAsked = hold.hold("other.test", "erin");
        SmtpSink sink = sink();

        AtrnResult result = atrn(sink, List.of("example.org", "example.com"));

        assertThat(result.outcome()).as("%s", result).isEqualTo(AtrnResult.Outcome.TURNED_AROUND);
        assertThat(result.reply()).contains("250 2.0.0 OK now reversing the connection");
        assertThat(result.accepted()).isEqualTo(3);
        assertThat(sink.messageIds()).containsExactlyInAnyOrderElementsOf(held);
        assertThat(sink.received()).filteredOn(mail -> mail.messageId().equals(held.get(1)))
            .singleElement().extracting(SmtpSink.Received::recipients).asList()
            .containsExactlyInAnyOrder("bob@example.org", "carol@example.org");
        assertThat(hold.stillHeld()).containsExactly(notAsked);
        assertThat(hold.held(held.get(1)).outcomes()).containsExactly(AttemptOutcome.delivered(
            List.of(new MailAddress("bob@example.org"), new MailAddress("carol@example.org"))));
        await().atMost(Duration.ofSeconds(5)).until(() -> hold.turnsClosed() == 1);
        assertThat(metrics.countForPrefixName("odmr_recipients_delivered")).containsEntry("odmr_recipients_delivered", 4);

        assertThat(atrn(sink, List.of("example.org")).outcome()).as("nothing left").isEqualTo(AtrnResult.Outcome.NO_MAIL);
    }

    @Test
    void atrnWithADomainAsksForThatDomainOnly() throws Exception {
        listen(OdmrListenerTest.settings());
        String org = hold.hold("example.org", "alice");
        String com = hold.hold("example.com", "bob");
        SmtpSink sink = sink();

        assertThat(atrn(sink, List.of("example.com")).accepted()).isEqualTo(1);

        assertThat(sink.messageIds()).containsExactly(com);
        assertThat(hold.stillHeld()).containsExactly(org);
    }

    @ParameterizedTest(name = "pipelining offered: {0}")
    @ValueSource(booleans = {true, false})
    void eachRecipientsReplyIsItsOutcomeDeliveredRefusedForNowRefusedForGood(boolean pipelining) throws Exception {
        listen(OdmrListenerTest.settings());
        String mixed = hold.hold("example.org", "alice", "tempfail-bob", "reject-carol");
        String allTemp = hold.hold("example.org", "tempfail-dave");
        String allRejected = hold.hold("example.org", "reject-erin");
        String after = hold.hold("example.org", "frank");
        SmtpSink sink = sink(pipelining);

        AtrnResult result = atrn(sink, List.of("example.org"));

        assertThat(result.outcome()).isEqualTo(AtrnResult.Outcome.TURNED_AROUND);
        assertThat(sink.messageIds()).as("a transaction that delivered nothing does not spoil the next")
            .containsExactly(mixed, after);
        assertThat(sink.received().get(0).recipients()).containsExactly("alice@example.org");
        AttemptOutcome outcome = hold.held(mixed).outcomes().get(0);
        assertThat(outcome.delivered()).containsExactly(new MailAddress("alice@example.org"));
        assertThat(outcome.refusedForNow()).containsOnlyKeys(new MailAddress("tempfail-bob@example.org"));
        assertThat(outcome.refusedForNow().values()).allMatch(reply -> reply.startsWith("452 4.2.2 Mailbox full"));
        assertThat(outcome.refusedForGood()).containsOnlyKeys(new MailAddress("reject-carol@example.org"));
        assertThat(outcome.refusedForGood().values()).allMatch(reply -> reply.startsWith("550 5.1.1 No such user"));
        assertThat(hold.held(allTemp).outcomes().get(0).refusedForNow()).containsOnlyKeys(new MailAddress("tempfail-dave@example.org"));
        assertThat(hold.held(allRejected).outcomes().get(0).refusedForGood()).containsOnlyKeys(new MailAddress("reject-erin@example.org"));
        // Refused for now stays held; delivered and refused for good leave.
        assertThat(hold.stillHeld()).containsExactlyInAnyOrder(mixed, allTemp);
        assertThat(hold.held(mixed).recipients()).containsExactly(new MailAddress("tempfail-bob@example.org"));
    }

    @Test
    void aCustomerThatDropsTheConnectionMidwayKeepsTheRestHeldAndGetsItOnTheNextAtrnNoneTwice() throws Exception {
        listen(OdmrListenerTest.settings());
        List<String> held = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            held.add(hold.hold("example.org", "user" + i));
        }
        SmtpSink sink = sink().disconnectAfter(3);

        AtrnResult first = atrn(sink, List.of("example.org"));

        assertThat(first.outcome()).as("%s", first).isEqualTo(AtrnResult.Outcome.CUT);
        assertThat(first.accepted()).isEqualTo(3);
        assertThat(sink.messageIds()).hasSize(3);
        await().atMost(Duration.ofSeconds(5)).until(() -> hold.turnsClosed() == 1);
        assertThat(hold.stillHeld()).hasSize(3).doesNotContainAnyElementsOf(sink.messageIds());
        assertThat(hold.noClaimLeft()).isTrue();

        sink.disconnectAfter(Integer.MAX_VALUE);
        AtrnResult second = atrn(sink, List.of("example.org"));

        assertThat(second.outcome()).isEqualTo(AtrnResult.Outcome.TURNED_AROUND);
        assertThat(sink.messageIds()).containsExactlyInAnyOrderElementsOf(held);
        assertThat(hold.stillHeld()).isEmpty();
    }

    @Test
    void aMailRefusedForNowIsTriedOncePerTurnEvenIfTheHoldHandsItOutAgain() throws Exception {
        listen(OdmrListenerTest.settings());
        String refused = hold.hold("example.org", "tempfail-alice");
        hold.handsOutAgain(true);
        SmtpSink sink = sink();

        AtrnResult result = atrn(sink, List.of("example.org"));

        assertThat(result.outcome()).as("%s", result).isEqualTo(AtrnResult.Outcome.TURNED_AROUND);
        assertThat(hold.held(refused).outcomes()).hasSize(1);
        assertThat(hold.stillHeld()).containsExactly(refused);
        assertThat(hold.noClaimLeft()).isTrue();
    }

    @Test
    void refusalsReachTheCustomerSideAsTheirOutcomes() throws Exception {
        listen(OdmrListenerTest.settings());
        hold.hold("example.org", "alice");
        SmtpSink sink = sink();

        assertThat(atrn(sink, "example.org", "wrong", List.of("example.org")).outcome()).isEqualTo(AtrnResult.Outcome.REFUSED);
        AtrnResult notOwned = atrn(sink, List.of("other.test"));
        assertThat(notOwned.outcome()).isEqualTo(AtrnResult.Outcome.DEFERRED);
        assertThat(notOwned.reply()).contains("450 4.7.1 ATRN request refused: other.test is not yours");
        hold.failing(true);
        assertThat(atrn(sink, List.of("example.org")).reply()).contains("451 4.3.0 Unable to process ATRN request now");
        assertThat(sink.received()).isEmpty();
    }

    @Test
    void theCustomersOwnSmtpServerDownAfterTheTurnaroundKeepsEverythingHeld() throws Exception {
        listen(OdmrListenerTest.settings());
        String held = hold.hold("example.org", "alice");
        SmtpSink sink = sink();
        InetSocketAddress down = sink.address();
        sink.close();

        AtrnResult result = atrn(down, "example.org", OdmrListenerTest.SECRET, List.of("example.org"));

        assertThat(result.outcome()).isEqualTo(AtrnResult.Outcome.UNREACHABLE);
        assertThat(result.reason()).contains("cannot be reached");
        await().atMost(Duration.ofSeconds(5)).until(() -> hold.turnsClosed() == 1);
        assertThat(hold.stillHeld()).containsExactly(held);
        assertThat(hold.held(held).outcomes()).isEmpty();
    }

    @Test
    void tlsStaysUpAcrossTheTurnaround() throws Exception {
        listener = new OdmrListener(OdmrListenerTest.settings()
            .tls(new OdmrSettings.Tls("relay.p12", "PKCS12", "changeit", true)).build(),
            Customers.of(List.of(OdmrListenerTest.EXAMPLE)), Optional.of(hold), metrics,
            Optional.of(OdmrListenerTest.testTls()));
        listener.start();
        String held = hold.hold("example.org", "alice");
        SmtpSink sink = sink();

        AtrnResult result = new AtrnSession(Duration.ofSeconds(10), Optional.of("customer.example.org"))
            .ask(AtrnRequest.of("localhost", listener.address().orElseThrow().getPort(), true, true, "example.org",
                OdmrListenerTest.SECRET, List.of("example.org"), sink.address()));

        assertThat(result.outcome()).as("%s", result).isEqualTo(AtrnResult.Outcome.TURNED_AROUND);
        assertThat(sink.messageIds()).containsExactly(held);
        // The provider counts the delivery once its side of the turn is over, which may be after the customer's.
        await().atMost(Duration.ofSeconds(5)).until(() -> hold.turnsClosed() == 1);
        assertThat(metrics.countForPrefixName("odmr_recipients_delivered")).containsEntry("odmr_recipients_delivered", 1);
    }
}
