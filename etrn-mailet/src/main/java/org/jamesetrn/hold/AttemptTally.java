package org.jamesetrn.hold;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.james.core.MailAddress;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;

import com.google.common.collect.ImmutableList;

/**
 * One held copy's attempt in RemoteDelivery's hands, added up per recipient from what RemoteDelivery reports: a copy
 * to {@code onSuccess} names delivered recipients (one per mail server tried, with {@code sendpartial}), a copy to
 * the bounce processor refused ones, for now or for good as its {@code is-delivery-permanent-error} says. A recipient
 * delivered by one server and refused by another was delivered.
 */
final class AttemptTally {
    /** James's RemoteDelivery: false on a temporary failure, true on a permanent one (Bouncer). */
    static final AttributeName PERMANENT = AttributeName.of("is-delivery-permanent-error");
    private static final String NOT_TRIED = "421 4.4.0 not delivered in this attempt";
    private static final String REFUSED = "550 5.0.0 refused by the site";

    final HeldEntry.Copy copy;
    private boolean deliveryReported;
    private final Set<MailAddress> delivered = new LinkedHashSet<>();
    private final Map<MailAddress, String> refusedForNow = new LinkedHashMap<>();
    private final Map<MailAddress, String> refusedForGood = new LinkedHashMap<>();

    AttemptTally(HeldEntry.Copy copy) {
        this.copy = copy;
    }

    synchronized void add(Mail report, boolean wasDelivered) {
        if (wasDelivered) {
            deliveryReported = true;
            delivered.addAll(report.getRecipients());
            return;
        }
        String reply = report.getAttribute(Hold.DELIVERY_ERROR)
            .flatMap(attribute -> attribute.getValue().valueAs(String.class))
            .orElse(failedForNow(report) ? NOT_TRIED : REFUSED);
        for (MailAddress recipient : report.getRecipients()) {
            (failedForNow(report) ? refusedForNow : refusedForGood).put(recipient, reply);
        }
    }

    /**
     * The attempt's outcome for the copy's recipients, once RemoteDelivery is done with {@code attempted} (the mail as
     * it left it: its recipients are those the attempt ended with). A recipient nothing was reported for is accounted
     * from RemoteDelivery 3.8.1's paths:
     * <ul>
     *   <li>among the recipients the attempt ended with: as the attempt ended, for now or for good (no report: James's
     *   Bouncer reports nothing for a null sender);</li>
     *   <li>otherwise, when no delivery at all was reported: delivered. With {@code sendpartial}, when the site took
     *   some recipients and refused the rest for good, RemoteDelivery ends with the refused ones and reports neither
     *   the delivered ones (its {@code onSuccess} copy is only sent when some recipient is left to try elsewhere) nor,
     *   with a null sender, the refused ones;</li>
     *   <li>otherwise (a delivery report came, so the part refused for good went to the Bouncer): refused for good,
     *   its report dropped because the sender is null.</li>
     * </ul>
     */
    synchronized AttemptOutcome outcome(Mail attempted) {
        List<MailAddress> recipients = copy.entry.recipients();
        boolean endedForNow = failedForNow(attempted);
        List<MailAddress> endedWith = ImmutableList.copyOf(attempted.getRecipients());
        AttemptOutcome.Builder outcome = AttemptOutcome.builder();
        for (MailAddress recipient : recipients) {
            if (delivered.contains(recipient)) {
                outcome.delivered(ImmutableList.of(recipient));
            } else if (refusedForGood.containsKey(recipient)) {
                outcome.refusedForGood(ImmutableList.of(recipient), refusedForGood.get(recipient));
            } else if (refusedForNow.containsKey(recipient)) {
                outcome.refusedForNow(ImmutableList.of(recipient), refusedForNow.get(recipient));
            } else if (endedWith.contains(recipient)) {
                if (endedForNow) {
                    outcome.refusedForNow(ImmutableList.of(recipient), NOT_TRIED);
                } else {
                    outcome.refusedForGood(ImmutableList.of(recipient), REFUSED);
                }
            } else if (!deliveryReported) {
                outcome.delivered(ImmutableList.of(recipient));
            } else {
                outcome.refusedForGood(ImmutableList.of(recipient), REFUSED);
            }
        }
        return outcome.build();
    }

    /** Whether RemoteDelivery ended its attempt of this mail with a temporary failure. */
    static boolean failedForNow(Mail mail) {
        Optional<Boolean> permanent = mail.getAttribute(PERMANENT).flatMap(attribute -> attribute.getValue().valueAs(Boolean.class));
        return permanent.map(value -> !value).orElse(false);
    }
}
