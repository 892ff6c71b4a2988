package org.jamesetrn.hold;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.jamesetrn.release.ProbeOutcomes;

import com.google.common.base.Splitter;

/**
 * The attributes of a held mail: one stored with the entry ({@link #HELD}), the others only on the copies released
 * from it. They travel with the copy through the release processor, RemoteDelivery and back, so that whoever sees the
 * end of a delivery attempt knows which held entry it was.
 *
 * <p>Stored: one attribute, a short string {@code <since> <generation>[ warned]}, because a {@code memory://} hold
 * keeps every attribute of every held mail on the heap (about 90 bytes per attribute besides its value: James's
 * repositories duplicate each). Where the entry is (root, domain, key) is not stored: the entry's repository and key
 * say it. It is written on each copy as it leaves ({@link #locate}), and for a copy that left without it (James's
 * WebAdmin reprocess reads the repository itself) {@link ReleaseOnce} finds it from the copy's name and recipients.</p>
 *
 * <p>The <em>generation</em> names one held mail from the moment it enters the hold until it leaves it for good: every
 * attempt to end it (a delivery attempt, its expiry, its warning) first claims it (see {@link ReleaseClaims}); a
 * delivery, a bounce or an expiry ends it for good. Two copies of one held mail can therefore never both be delivered,
 * whoever sent them (ETRN, retryEvery, James's reprocess).</p>
 */
public final class HeldMail {
    /** Stored with the entry (String): {@code <epoch millis held since> <generation>[ warned]}. */
    public static final AttributeName HELD = AttributeName.of("etrn.hold");
    /** On a released copy: the hold's root repository URL (String). */
    public static final AttributeName ROOT = AttributeName.of("etrn.hold.root");
    /** On a released copy: the node domain whose repository holds the entry (String). */
    public static final AttributeName DOMAIN = AttributeName.of("etrn.hold.domain");
    /** On a released copy: the entry's key in that repository (String), which is the held mail's name. */
    public static final AttributeName KEY = AttributeName.of("etrn.hold.key");
    /** The claim a released copy carries (String); a copy without one (James's reprocess) claims at the release processor. */
    public static final AttributeName CLAIM = AttributeName.of("etrn.release.claim");

    /** Written by the first builds (one attribute each); read still, so that a hold they filled is released. */
    private static final AttributeName OLD_SINCE = AttributeName.of("etrn.hold.since");
    private static final AttributeName OLD_GENERATION = AttributeName.of("etrn.hold.generation");
    private static final AttributeName OLD_WARNED = AttributeName.of("etrn.hold.warned");

    private static final String KEY_SUFFIX = "~";
    private static final String WARNED = "warned";
    private static final AttributeName[] LOCATION = {ROOT, DOMAIN, KEY};
    private static final AttributeName[] ALL = {HELD, ROOT, DOMAIN, KEY, CLAIM, ProbeOutcomes.PROBE, OLD_SINCE,
        OLD_GENERATION, OLD_WARNED};
    private static final SecureRandom RANDOM = new SecureRandom();

    private HeldMail() {
    }

    /** What the stored attribute says. */
    static final class State {
        final Instant since;
        final String generation;
        final boolean warned;

        State(Instant since, String generation, boolean warned) {
            this.since = since;
            this.generation = generation;
            this.warned = warned;
        }

        private String asString() {
            return since.toEpochMilli() + " " + generation + (warned ? " " + WARNED : "");
        }
    }

    /** A new held mail's identity: 128 random bits, 22 characters. */
    static String newGeneration() {
        byte[] bits = new byte[16];
        RANDOM.nextBytes(bits);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
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

    /** The held mail's state, if the mail is (a copy of) a held mail. */
    static Optional<State> state(Mail mail) {
        Optional<String> held = string(mail, HELD);
        if (held.isPresent()) {
            List<String> parts = Splitter.on(' ').splitToList(held.get());
            if (parts.size() < 2) {
                return Optional.empty();
            }
            try {
                return Optional.of(new State(Instant.ofEpochMilli(Long.parseLong(parts.get(0))), parts.get(1),
                    parts.size() > 2 && parts.get(2).equals(WARNED)));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return string(mail, OLD_GENERATION).map(generation -> new State(
            mail.getAttribute(OLD_SINCE).flatMap(attribute -> attribute.getValue().valueAs(Long.class))
                .map(Instant::ofEpochMilli).orElse(Instant.EPOCH),
            generation,
            mail.getAttribute(OLD_WARNED).flatMap(attribute -> attribute.getValue().valueAs(Boolean.class)).orElse(false)));
    }

    static Optional<String> generation(Mail mail) {
        return state(mail).map(state -> state.generation);
    }

    static Optional<Instant> since(Mail mail) {
        return state(mail).map(state -> state.since);
    }

    static boolean warned(Mail mail) {
        return state(mail).map(state -> state.warned).orElse(false);
    }

    /** The stored attribute, the attributes of the first builds replaced. */
    static void setState(Mail mail, State state) {
        mail.removeAttribute(OLD_SINCE);
        mail.removeAttribute(OLD_GENERATION);
        mail.removeAttribute(OLD_WARNED);
        mail.setAttribute(new Attribute(HELD, AttributeValue.of(state.asString())));
    }

    static void setWarned(Mail mail) {
        State state = state(mail).orElseThrow(() -> new IllegalStateException(mail.getName() + " is not held"));
        setState(mail, new State(state.since, state.generation, true));
    }

    /**
     * Removes every attribute of the hold and of a release from a mail that is no longer a held mail's copy: the mail
     * sent for a DSN, or after its outcome was recorded. Otherwise the DSN that DSNBounce builds from it (attributes
     * included) would be taken, once delivered, for the held mail itself.
     */
    static void strip(Mail mail) {
        for (AttributeName name : ALL) {
            mail.removeAttribute(name);
        }
    }

    /** The hold's and the release's attributes of a mail as they are now, to {@link #restore} them. */
    static Map<AttributeName, Optional<Attribute>> snapshot(Mail mail) {
        Map<AttributeName, Optional<Attribute>> attributes = new HashMap<>();
        for (AttributeName name : ALL) {
            attributes.put(name, mail.getAttribute(name));
        }
        return attributes;
    }

    static void restore(Mail mail, Map<AttributeName, Optional<Attribute>> snapshot) {
        snapshot.forEach((name, attribute) -> attribute.ifPresentOrElse(mail::setAttribute, () -> mail.removeAttribute(name)));
    }

    static void set(Mail mail, AttributeName name, String value) {
        mail.setAttribute(new Attribute(name, AttributeValue.of(value)));
    }

    /** Writes where the entry is on a copy about to leave the hold. */
    static void locate(Mail mail, Entry entry) {
        set(mail, ROOT, entry.root);
        set(mail, DOMAIN, entry.domain);
        set(mail, KEY, entry.key);
    }

    /** Removes where the entry was: not stored (the repository and the key say it). */
    static void unlocate(Mail mail) {
        for (AttributeName name : LOCATION) {
            mail.removeAttribute(name);
        }
    }

    /** Where a copy seen anywhere in the mail container was held, if it says so ({@link #locate}). */
    static Optional<Entry> entry(Mail mail) {
        Optional<String> root = string(mail, ROOT);
        Optional<String> domain = string(mail, DOMAIN);
        Optional<String> key = string(mail, KEY);
        Optional<String> generation = generation(mail);
        if (root.isEmpty() || domain.isEmpty() || key.isEmpty() || generation.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Entry(root.get(), domain.get(), key.get(), generation.get()));
    }

    /** A held entry: where it is and which held mail it holds. */
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
