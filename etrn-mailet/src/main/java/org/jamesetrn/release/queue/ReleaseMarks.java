package org.jamesetrn.release.queue;

import java.util.Optional;

import org.apache.james.queue.api.MailPrioritySupport;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.jamesetrn.release.ProbeOutcomes;

/**
 * What a release changes on a mail, and nothing else: high priority, one retry given back, and the probe tag when
 * the mail is its release's probe (a stale tag from an earlier probe is removed).
 *
 * <p>Retry budget: RemoteDelivery's temporary failure increments {@code delivery_retry_count} from c to c+1 and
 * defers by {@code delayTimes[c]}. A deferred mail with count c is released with c-1, so a failed ETRN-started
 * attempt brings it back to c and defers it by {@code delayTimes[c-1]}: as close to a bounce as before the ETRN,
 * with the same delay. A mail that is never released is never touched.</p>
 */
final class ReleaseMarks {
    /** RemoteDelivery's retry counter (DeliveryRetriesHelper.DELIVERY_RETRY_COUNT), an Integer. */
    static final AttributeName DELIVERY_RETRY_COUNT = AttributeName.of("delivery_retry_count");

    private ReleaseMarks() {
    }

    /** Marks {@code mail} as released; the returned action puts back exactly what was there before. */
    static Runnable apply(Mail mail, Optional<ProbeOutcomes.Probe> probe) {
        Optional<Attribute> priority = mail.getAttribute(MailPrioritySupport.MAIL_PRIORITY);
        Optional<Attribute> retries = mail.getAttribute(DELIVERY_RETRY_COUNT);
        Optional<Attribute> tag = mail.getAttribute(ProbeOutcomes.PROBE);
        mail.setAttribute(MailPrioritySupport.HIGH_PRIORITY_ATTRIBUTE);
        retries.flatMap(attribute -> givenBack(attribute.getValue()))
            .ifPresent(count -> mail.setAttribute(new Attribute(DELIVERY_RETRY_COUNT, AttributeValue.of(count))));
        probe.ifPresentOrElse(p -> mail.setAttribute(ProbeOutcomes.tag(p.id())), () -> mail.removeAttribute(ProbeOutcomes.PROBE));
        return () -> {
            restore(mail, MailPrioritySupport.MAIL_PRIORITY, priority);
            restore(mail, DELIVERY_RETRY_COUNT, retries);
            restore(mail, ProbeOutcomes.PROBE, tag);
        };
    }

    /** Whether {@code mail} is the given probe, deferred again by RemoteDelivery after a temporary failure. */
    static boolean isProbe(Mail mail, ProbeOutcomes.Probe probe) {
        return ProbeOutcomes.probeId(mail).map(probe.id()::equals).orElse(false);
    }

    /** The retry count after a release: one less, never below zero; empty when the value is not RemoteDelivery's. */
    static Optional<Integer> givenBack(AttributeValue<?> value) {
        Object count = value.getValue();
        if (count instanceof Integer) {
            return Optional.of(Math.max(0, (Integer) count - 1));
        }
        return Optional.empty();
    }

    private static void restore(Mail mail, AttributeName name, Optional<Attribute> previous) {
        if (previous.isPresent()) {
            mail.setAttribute(previous.get());
        } else {
            mail.removeAttribute(name);
        }
    }
}
