package org.jamesetrn.release.queue;

import java.util.Optional;

import org.apache.james.queue.api.MailPrioritySupport;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;

/**
 * What a release changes on a mail, and nothing else: high priority, and one retry given back.
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
    static Runnable apply(Mail mail) {
        Optional<Attribute> priority = mail.getAttribute(MailPrioritySupport.MAIL_PRIORITY);
        Optional<Attribute> retries = mail.getAttribute(DELIVERY_RETRY_COUNT);
        mail.setAttribute(MailPrioritySupport.HIGH_PRIORITY_ATTRIBUTE);
        retries.flatMap(attribute -> givenBack(attribute.getValue()))
            .ifPresent(count -> mail.setAttribute(new Attribute(DELIVERY_RETRY_COUNT, AttributeValue.of(count))));
        return () -> {
            restore(mail, MailPrioritySupport.MAIL_PRIORITY, priority);
            restore(mail, DELIVERY_RETRY_COUNT, retries);
        };
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
