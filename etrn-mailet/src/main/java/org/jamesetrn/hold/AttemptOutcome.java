package org.jamesetrn.hold;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.apache.james.core.MailAddress;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;

/**
 * How one delivery attempt of a held mail ended, per recipient, as the site answered it: delivered (its 250 to the
 * final dot), refused for now (a 4xx, or no answer at all: the connection was lost), refused for good (a 5xx, with the
 * site's reply for the sender's DSN). A recipient is in at most one of the three; a recipient of the attempt in none
 * of them was not tried and stays held, like one refused for now.
 */
public final class AttemptOutcome {
    private final ImmutableSet<MailAddress> delivered;
    private final ImmutableMap<MailAddress, String> refusedForNow;
    private final ImmutableMap<MailAddress, String> refusedForGood;

    private AttemptOutcome(Builder builder) {
        this.delivered = ImmutableSet.copyOf(builder.delivered);
        this.refusedForNow = ImmutableMap.copyOf(builder.refusedForNow);
        this.refusedForGood = ImmutableMap.copyOf(builder.refusedForGood);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Every recipient delivered. */
    public static AttemptOutcome delivered(Collection<MailAddress> recipients) {
        return builder().delivered(recipients).build();
    }

    /** Every recipient refused for now with this reply (or never tried: the connection was lost). */
    public static AttemptOutcome refusedForNow(Collection<MailAddress> recipients, String reply) {
        return builder().refusedForNow(recipients, reply).build();
    }

    public Set<MailAddress> delivered() {
        return delivered;
    }

    /** The recipients refused for now, each with the reply that said so. */
    public Map<MailAddress, String> refusedForNow() {
        return refusedForNow;
    }

    /** The recipients refused for good, each with the reply that said so (the DSN's diagnostic). */
    public Map<MailAddress, String> refusedForGood() {
        return refusedForGood;
    }

    public boolean isEmpty() {
        return delivered.isEmpty() && refusedForNow.isEmpty() && refusedForGood.isEmpty();
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof AttemptOutcome)) {
            return false;
        }
        AttemptOutcome that = (AttemptOutcome) other;
        return delivered.equals(that.delivered) && refusedForNow.equals(that.refusedForNow)
            && refusedForGood.equals(that.refusedForGood);
    }

    @Override
    public int hashCode() {
        return Objects.hash(delivered, refusedForNow, refusedForGood);
    }

    @Override
    public String toString() {
        return "delivered " + delivered + ", refused for now " + refusedForNow.keySet() + ", refused for good "
            + refusedForGood.keySet();
    }

    public static final class Builder {
        private final Set<MailAddress> delivered = new java.util.LinkedHashSet<>();
        private final Map<MailAddress, String> refusedForNow = new LinkedHashMap<>();
        private final Map<MailAddress, String> refusedForGood = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder delivered(Collection<MailAddress> recipients) {
            recipients.forEach(this::checkNew);
            delivered.addAll(recipients);
            return this;
        }

        public Builder refusedForNow(Collection<MailAddress> recipients, String reply) {
            recipients.forEach(this::checkNew);
            recipients.forEach(recipient -> refusedForNow.put(recipient, Objects.requireNonNull(reply)));
            return this;
        }

        public Builder refusedForGood(Collection<MailAddress> recipients, String reply) {
            recipients.forEach(this::checkNew);
            recipients.forEach(recipient -> refusedForGood.put(recipient, Objects.requireNonNull(reply)));
            return this;
        }

        private void checkNew(MailAddress recipient) {
            Preconditions.checkArgument(!delivered.contains(recipient) && !refusedForNow.containsKey(recipient)
                && !refusedForGood.containsKey(recipient), "%s has an outcome already", recipient);
        }

        public AttemptOutcome build() {
            return new AttemptOutcome(this);
        }
    }
}
