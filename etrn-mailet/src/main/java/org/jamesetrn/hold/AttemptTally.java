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
    private final Set<MailAddress> delivered = new LinkedHashSet<>();
    private final Map<MailAddress, String> refusedForNow = new LinkedHashMap<>();
    private final Map<MailAddress, String> refusedForGood = new LinkedHashMap<>();

    AttemptTally(HeldEntry.Copy copy) {
        this.copy = copy;
    }

    synchronized void add(Mail report, boolean wasDelivered) {
        if (wasDelivered) {
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
     * it left it). A recipient nothing was reported for is one RemoteDelivery's Bouncer dropped: it reports nothing for
     * a null sender. It was refused for now if it is among the recipients the attempt ended with, failed for now;
     * otherwise for good (no DSN is due: the sender is null).
     */
    synchronized AttemptOutcome outcome(Mail attempted) {
        List<MailAddress> recipients = copy.entry.recipients();
        AttemptOutcome.Builder outcome = AttemptOutcome.builder();
        List<MailAddress> wereDelivered = recipients.stream().filter(delivered::contains)
            .collect(ImmutableList.toImmutableList());
        outcome.delivered(wereDelivered);
        for (MailAddress recipient : recipients) {
            if (delivered.contains(recipient)) {
                continue;
            }
            if (refusedForGood.containsKey(recipient)) {
                outcome.refusedForGood(ImmutableList.of(recipient), refusedForGood.get(recipient));
            } else if (refusedForNow.containsKey(recipient)) {
                outcome.refusedForNow(ImmutableList.of(recipient), refusedForNow.get(recipient));
            } else if (!attempted.hasSender() && (!failedForNow(attempted) || !attempted.getRecipients().contains(recipient))) {
                outcome.refusedForGood(ImmutableList.of(recipient), REFUSED);
            } else {
                outcome.refusedForNow(ImmutableList.of(recipient), NOT_TRIED);
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
