package org.jamesetrn.hold;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.apache.james.core.MailAddress;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.common.collect.ImmutableList;

/**
 * What RemoteDelivery 3.8.1 reports of an attempt with {@code sendpartial}, path by path, and the outcome per recipient
 * added up from it (the end-to-end tests drive the same paths with a real site: HoldPerRecipientTest).
 */
class AttemptTallyTest {
    private static final String A = "a@held.test";
    private static final String B = "b@held.test";
    private static final String C = "c@held.test";

    private AttemptTally tally;

    @BeforeEach
    void attempt() throws Exception {
        tally = new AttemptTally(new HeldEntry.Copy(
            HeldEntry.held("memory://hold/", "held.test", "mail", addresses(A, B, C), Instant.EPOCH), "token"));
    }

    @Test
    void everyRecipientDeliveredIsReportedOnce() throws Exception {
        tally.add(report(null, A, B, C), true);

        assertThat(tally.outcome(ended(null, A, B, C)).delivered()).containsExactlyElementsOf(addresses(A, B, C));
    }

    /** 250, 452, 550: a delivery report for a, a refusal for good for c, then the attempt ends failed for now with b. */
    @Test
    void someDeliveredSomeRefusedForNowSomeForGood() throws Exception {
        tally.add(report(null, A), true);
        tally.add(report(true, C), false);
        tally.add(report(false, B), false);

        AttemptOutcome outcome = tally.outcome(ended(false, B));

        assertThat(outcome.delivered()).containsExactlyElementsOf(addresses(A));
        assertThat(outcome.refusedForNow()).containsOnlyKeys(addresses(B));
        assertThat(outcome.refusedForGood()).containsOnlyKeys(addresses(C));
    }

    /**
     * 250, 250, 550: RemoteDelivery rethrows when no recipient is left to try, without a delivery report: the attempt
     * ends refused for good with c only, and a and b were delivered.
     */
    @Test
    void recipientsDeliveredBesidesARefusalForGoodAreDeliveredThoughUnreported() throws Exception {
        tally.add(report(true, C), false);

        AttemptOutcome outcome = tally.outcome(ended(true, C));

        assertThat(outcome.delivered()).containsExactlyElementsOf(addresses(A, B));
        assertThat(outcome.refusedForGood()).containsOnlyKeys(addresses(C));
    }

    /** The same with a null sender: James's Bouncer reports no refusal at all. */
    @Test
    void aNullSendersRefusalIsUnreportedAndStillRefusedForGood() throws Exception {
        AttemptOutcome outcome = tally.outcome(ended(true, C));

        assertThat(outcome.delivered()).containsExactlyElementsOf(addresses(A, B));
        assertThat(outcome.refusedForGood()).containsOnlyKeys(addresses(C));
    }

    /** 250, 452, 550 with a null sender: only the delivery report comes; c's refusal and b's are dropped. */
    @Test
    void aNullSendersRefusalsBesidesADeliveryAreAccountedFromHowTheAttemptEnded() throws Exception {
        tally.add(report(null, A), true);

        AttemptOutcome outcome = tally.outcome(ended(false, B));

        assertThat(outcome.delivered()).containsExactlyElementsOf(addresses(A));
        assertThat(outcome.refusedForNow()).containsOnlyKeys(addresses(B));
        assertThat(outcome.refusedForGood()).containsOnlyKeys(addresses(C));
    }

    @Test
    void aSiteThatCannotBeReachedLeavesEveryRecipientHeld() throws Exception {
        tally.add(report(false, A, B, C), false);

        assertThat(tally.outcome(ended(false, A, B, C)).refusedForNow()).containsOnlyKeys(addresses(A, B, C));
    }

    private static List<MailAddress> addresses(String... addresses) throws Exception {
        ImmutableList.Builder<MailAddress> list = ImmutableList.builder();
        for (String address : addresses) {
            list.add(new MailAddress(address));
        }
        return list.build();
    }

    /** A report RemoteDelivery sends: to onSuccess (permanent null), or to the bounce processor. */
    private static Mail report(Boolean permanent, String... recipients) throws Exception {
        MailImpl mail = MailImpl.builder().name("report").addRecipients(addresses(recipients)).build();
        if (permanent != null) {
            mail.setAttribute(new Attribute(AttemptTally.PERMANENT, AttributeValue.of(permanent)));
        }
        return mail;
    }

    /** The mail as RemoteDelivery leaves it: the recipients the attempt ended with, and how it ended. */
    private static Mail ended(Boolean permanent, String... recipients) throws Exception {
        return report(permanent, recipients);
    }
}
