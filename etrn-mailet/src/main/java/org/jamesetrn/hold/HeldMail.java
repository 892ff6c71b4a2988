package org.jamesetrn.hold;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.jamesetrn.release.ProbeOutcomes;

/**
 * The attributes a held mail carries, in the hold and on the copies released from it. They travel with the copy
 * through the release processor, RemoteDelivery and back, so that whoever sees the end of a delivery attempt
 * knows which held entry it was.
 *
 * <p>The <em>generation</em> names one held mail from the moment it enters the hold until it leaves it for good: every
 * attempt to end it (a delivery attempt, its expiry, its warning) first claims it (see {@link ReleaseClaims}); a
 * delivery, a bounce or an expiry ends it for good. Two copies of one held mail can therefore never both be delivered,
 * whoever sent them (ETRN, retryEvery, James's reprocess).</p>
 */
public final class HeldMail {
    /** When the mail first entered the hold (epoch millis, Long): the expiry clock; never reset by a failed attempt. */
    public static final AttributeName SINCE = AttributeName.of("etrn.hold.since");
    /** The held mail's identity for its claims (String). */
    public static final AttributeName GENERATION = AttributeName.of("etrn.hold.generation");
    /** The hold's root repository URL (String). */
    public static final AttributeName ROOT = AttributeName.of("etrn.hold.root");
    /** The node domain whose repository holds the entry (String). */
    public static final AttributeName DOMAIN = AttributeName.of("etrn.hold.domain");
    /** The entry's key in that repository (String): the held mail's name. */
    public static final AttributeName KEY = AttributeName.of("etrn.hold.key");
    /** Whether the sender was told the mail is delayed (Boolean). */
    public static final AttributeName WARNED = AttributeName.of("etrn.hold.warned");
    /** The claim a released copy carries (String); a copy without one (James's reprocess) claims at the release processor. */
    public static final AttributeName CLAIM = AttributeName.of("etrn.release.claim");

    private static final String KEY_SUFFIX = "~";

    private HeldMail() {
    }

    /** The key a mail written back after a failed attempt gets: its first key and a fresh suffix. */
    static String nextKey(String key) {
        int suffix = key.indexOf(KEY_SUFFIX);
        String first = suffix < 0 ? key : key.substring(0, suffix);
        return first + KEY_SUFFIX + Long.toString(System.currentTimeMillis(), 36)
            + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
    }

    public static Optional<String> string(Mail mail, AttributeName name) {
        return mail.getAttribute(name).flatMap(attribute -> attribute.getValue().valueAs(String.class));
    }

    static Optional<Instant> since(Mail mail) {
        return mail.getAttribute(SINCE).flatMap(attribute -> attribute.getValue().valueAs(Long.class)).map(Instant::ofEpochMilli);
    }

    static boolean warned(Mail mail) {
        return mail.getAttribute(WARNED).flatMap(attribute -> attribute.getValue().valueAs(Boolean.class)).orElse(false);
    }

    /**
     * Removes every attribute of the hold and of a release from a mail that is no longer a held mail's copy: the mail
     * sent for a DSN, or after its outcome was recorded. Otherwise the DSN that DSNBounce builds from it (attributes
     * included) would be taken, once delivered, for the held mail itself.
     */
    static void strip(Mail mail) {
        for (AttributeName name : new AttributeName[] {SINCE, GENERATION, ROOT, DOMAIN, KEY, WARNED, CLAIM, ProbeOutcomes.PROBE}) {
            mail.removeAttribute(name);
        }
    }

    static void set(Mail mail, AttributeName name, String value) {
        mail.setAttribute(new Attribute(name, AttributeValue.of(value)));
    }

    static void setSince(Mail mail, Instant since) {
        mail.setAttribute(new Attribute(SINCE, AttributeValue.of(since.toEpochMilli())));
    }

    static void setWarned(Mail mail) {
        mail.setAttribute(new Attribute(WARNED, AttributeValue.of(true)));
    }

    /** Where a copy seen anywhere in the mail container was held, if it was. */
    static Optional<Entry> entry(Mail mail) {
        Optional<String> root = string(mail, ROOT);
        Optional<String> domain = string(mail, DOMAIN);
        Optional<String> key = string(mail, KEY);
        Optional<String> generation = string(mail, GENERATION);
        if (root.isEmpty() || domain.isEmpty() || key.isEmpty() || generation.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Entry(root.get(), domain.get(), key.get(), generation.get()));
    }

    /** A held entry as a copy remembers it. */
    static final class Entry {
        final String root;
        final String domain;
        final String key;
        final String generation;

        Entry(String root, String domain, String key, String generation) {
            this.root = root;
            this.domain = domain;
            this.key = key;
            this.generation = generation;
        }

        @Override
        public String toString() {
            return root + " " + domain + " " + key;
        }
    }
}
