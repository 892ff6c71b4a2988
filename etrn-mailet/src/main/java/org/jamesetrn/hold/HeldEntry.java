package org.jamesetrn.hold;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.jamesetrn.release.ProbeOutcomes;

import com.google.common.base.MoreObjects;
import com.google.common.base.Preconditions;
import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import com.google.common.io.BaseEncoding;

/**
 * One held entry: the recipients of one mail in one node domain that still wait in the hold, and its state. The only
 * class that reads or writes the hold's attributes on a mail; every change of a held mail is one of its transitions,
 * and each says what it guarantees.
 *
 * <p><b>Identity.</b> An entry is named by its <em>generation</em>: 26 letters and digits (128 bits) that are also its
 * key in the domain's repository, {@code <root>/<domain>}. An entry is never written twice: every change (an attempt
 * that leaves recipients held, a warning, a copy James's reprocess sent) stores a <em>successor</em> under a new
 * generation and then removes the entry. So a key names one content for ever; James's reprocess, which removes the key
 * it sent a while after reading it, can never remove a successor; and a copy in flight names exactly the recipients
 * its attempt may end. The key fits every James repository whatever the domain (253 characters) and the mail's name:
 * James's file repository makes a file name of twice the key's length plus 16.</p>
 *
 * <p><b>Invariants.</b> (1) Every recipient of an entry is in its domain and waits: none was delivered, refused for
 * good or expired. (2) {@code since}, the expiry clock, is set when the mail first enters the hold and kept by every
 * successor. (3) While a copy of an entry is in flight, its generation is claimed ({@link ReleaseClaims}) and the entry
 * is stored: a copy whose entry is gone ended already (its outcome was recorded) and is dropped. (4) A successor is
 * stored before its predecessor's claim ends and before the predecessor is removed: an ended generation whose entry is
 * still stored is a leftover, safe to remove.</p>
 *
 * <p><b>Stored form.</b> The key is the mail's name; its recipients are the entry's; one attribute, {@value #HELD_NAME}
 * = {@code <since millis> <warned 0|1> <domain> <the mail's first name>} (one attribute because a {@code memory://}
 * hold keeps every attribute on the heap). A copy in flight carries the same attribute and {@value #COPY_NAME} =
 * {@code <generation> <claim token> <root>}. Entries of earlier builds ({@code etrn.hold} = {@code <since> <generation>[
 * warned]} under the mail's name, or three attributes before that) are read as entries and replaced by a successor in
 * this form when first met.</p>
 */
final class HeldEntry {
    static final String HELD_NAME = "etrn.held";
    static final String COPY_NAME = "etrn.held.copy";
    private static final AttributeName HELD = AttributeName.of(HELD_NAME);
    private static final AttributeName COPY = AttributeName.of(COPY_NAME);
    /** On a mail waiting in the spool after a storage failure part-way: the domains whose entries were written. */
    private static final AttributeName WRITTEN = AttributeName.of("etrn.held.written");
    /** Earlier builds' stored attributes: read, never written. */
    private static final AttributeName EARLIER = AttributeName.of("etrn.hold");
    private static final AttributeName EARLIEST_SINCE = AttributeName.of("etrn.hold.since");
    private static final AttributeName EARLIEST_GENERATION = AttributeName.of("etrn.hold.generation");
    private static final AttributeName EARLIEST_WARNED = AttributeName.of("etrn.hold.warned");
    private static final List<AttributeName> EARLIER_COPY = ImmutableList.of(AttributeName.of("etrn.hold.root"),
        AttributeName.of("etrn.hold.domain"), AttributeName.of("etrn.hold.key"), AttributeName.of("etrn.release.claim"));
    /**
     * RemoteDelivery's state of an earlier attempt (a parked mail arrives with it): a held mail starts afresh, or a
     * refusal for good would pass for a temporary one and back.
     */
    static final List<AttributeName> DELIVERY_STATE = ImmutableList.of(AttributeName.of("is-delivery-permanent-error"),
        AttributeName.of("delivery-error"), AttributeName.of("delivery-error-code"),
        AttributeName.of("delivery_retry_count"));
    /**
     * James's ActiveMQ spool's attributes (ActiveMQSupport's blob URL and queue name): set at each dequeue, never read
     * back (the queue's reuse of them is commented out in 3.8.1). In an entry they would name a blob file the spool
     * deletes once the mail is held (and were two of the six attributes James serialized into each held mail).
     */
    private static final List<AttributeName> SPOOL_STATE = ImmutableList.of(AttributeName.of("JAMES_BLOB_URL"),
        AttributeName.of("JAMES_QUEUE_NAME"));

    private static final BaseEncoding GENERATIONS = BaseEncoding.base32().lowerCase().omitPadding();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String root;
    private final String domain;
    private final String generation;
    /** The key the entry is stored under: its generation, or an earlier build's key (the mail's name). */
    private final String key;
    private final ImmutableList<MailAddress> recipients;
    private final Instant since;
    private final boolean warned;
    private final String name;

    private HeldEntry(String root, String domain, String generation, String key, List<MailAddress> recipients,
                      Instant since, boolean warned, String name) {
        this.root = root;
        this.domain = domain;
        this.generation = generation;
        this.key = key;
        this.recipients = ImmutableList.copyOf(recipients);
        this.since = since;
        this.warned = warned;
        this.name = name;
    }

    // ---------------------------------------------------------------------------------------------------------- held

    /**
     * A mail's recipients of one domain entering the hold now. Its generation is derived from the mail's name and the
     * domain, so that holding the same mail again (the spool retrying it after a storage failure part-way) writes the
     * same entries again instead of new ones.
     */
    static HeldEntry held(String root, String domain, String mailName, Collection<MailAddress> recipients, Instant since) {
        Preconditions.checkArgument(!recipients.isEmpty(), "a held entry has recipients");
        return new HeldEntry(root, domain, derived(mailName + '\n' + domain), null, ImmutableList.copyOf(recipients),
            since.truncatedTo(ChronoUnit.MILLIS), false, mailName);
    }

    /** The entry stored under {@code key} in the domain's repository; empty if that mail is no held entry. */
    static Optional<HeldEntry> stored(String root, String domain, String key, Mail stored) {
        Optional<String> held = string(stored, HELD);
        if (held.isPresent()) {
            return parse(held.get()).map(state -> new HeldEntry(root, domain, key, key, recipients(stored),
                state.since, state.warned, state.name));
        }
        return earlier(stored).map(state -> new HeldEntry(root, domain, state.generation, key, recipients(stored),
            state.since, state.warned, key));
    }

    /**
     * The entry a copy in flight was dispatched from, with the claim it carries; empty for any other mail. A report
     * RemoteDelivery made of the copy's attempt reads the same (its recipients are the report's: none, for the
     * {@code onSuccess} copy of an attempt that delivered nothing).
     */
    static Optional<Copy> copy(Mail copy) {
        Optional<List<String>> location = string(copy, COPY).map(value -> Splitter.on(' ').limit(3).splitToList(value))
            .filter(parts -> parts.size() == 3);
        Optional<State> state = string(copy, HELD).flatMap(HeldEntry::parse);
        if (location.isEmpty() || state.isEmpty()) {
            return Optional.empty();
        }
        String generation = location.get().get(0);
        HeldEntry entry = new HeldEntry(location.get().get(2), state.get().domain, generation, generation,
            recipients(copy), state.get().since, state.get().warned, state.get().name);
        return Optional.of(new Copy(entry, location.get().get(1)));
    }

    /**
     * A stored entry that James's WebAdmin reprocess sent to a processor (it reads the repository itself, so the copy
     * carries no claim): the entry under the copy's name, in the domain of its recipients, in the hold {@code root}.
     */
    static Optional<HeldEntry> reprocessed(String root, Mail copy) {
        Optional<State> state = string(copy, HELD).flatMap(HeldEntry::parse);
        if (state.isPresent()) {
            return Optional.of(new HeldEntry(root, state.get().domain, copy.getName(), copy.getName(), recipients(copy),
                state.get().since, state.get().warned, state.get().name));
        }
        ImmutableSet<String> domains = copy.getRecipients().stream()
            .map(recipient -> recipient.getDomain().asString().toLowerCase(Locale.ROOT))
            .collect(ImmutableSet.toImmutableSet());
        if (domains.size() != 1) {
            return Optional.empty();
        }
        return earlier(copy).map(earlier -> new HeldEntry(root, domains.iterator().next(), earlier.generation,
            copy.getName(), recipients(copy), earlier.since, earlier.warned, copy.getName()));
    }

    /**
     * The domains of this mail already written to the hold: a mail the spool tries again after a storage failure
     * part-way holds only the rest (the domains written may have been released and delivered meanwhile).
     */
    static Set<String> written(Mail mail) {
        return string(mail, WRITTEN).map(value -> ImmutableSet.copyOf(Splitter.on(' ').omitEmptyStrings().split(value)))
            .orElse(ImmutableSet.of());
    }

    /** Marks these domains of the mail written to the hold (see {@link #written}). */
    static void markWritten(Mail mail, Set<String> domains) {
        mail.setAttribute(new Attribute(WRITTEN, AttributeValue.of(String.join(" ", domains))));
    }

    /** Whether the mail carries anything of the hold: a stored entry, a copy, or an earlier build's attributes. */
    static boolean isHeldMail(Mail mail) {
        return mail.getAttribute(HELD).isPresent() || mail.getAttribute(COPY).isPresent() || earlier(mail).isPresent();
    }

    // ----------------------------------------------------------------------------------------------- written forms

    /**
     * Writes the entry onto {@code mail} to store it: its key as name, its recipients, its attribute, the release
     * processor as state (James's reprocess of the repository sends it there), and nothing else of the hold, of a
     * release or of an earlier delivery attempt.
     */
    Mail writeStored(Mail mail, String releaseProcessor) {
        strip(mail);
        DELIVERY_STATE.forEach(mail::removeAttribute);
        SPOOL_STATE.forEach(mail::removeAttribute);
        mail.setName(generation);
        mail.setRecipients(recipients);
        mail.setAttribute(new Attribute(HELD, AttributeValue.of(heldValue())));
        mail.setState(releaseProcessor);
        return mail;
    }

    /** Writes onto a copy of the stored mail what a copy in flight carries: the entry and its claim. */
    Mail writeCopy(Mail copy, String token) {
        writeStored(copy, copy.getState());
        copy.setAttribute(new Attribute(COPY, AttributeValue.of(generation + ' ' + token + ' ' + root)));
        return copy;
    }

    /**
     * Removes everything of the hold and of a release from a mail that is no held entry nor a copy any more (a mail
     * sent for a DSN, a delivered mail going to RemoteDelivery's onSuccess processor): DSNBounce builds its DSN from the
     * mail, attributes included, and a delivered DSN must never pass for a held mail.
     */
    static Mail strip(Mail mail) {
        mail.removeAttribute(HELD);
        mail.removeAttribute(COPY);
        mail.removeAttribute(WRITTEN);
        mail.removeAttribute(ProbeOutcomes.PROBE);
        mail.removeAttribute(EARLIER);
        mail.removeAttribute(EARLIEST_SINCE);
        mail.removeAttribute(EARLIEST_GENERATION);
        mail.removeAttribute(EARLIEST_WARNED);
        EARLIER_COPY.forEach(mail::removeAttribute);
        return mail;
    }

    // ------------------------------------------------------------------------------------------------- transitions

    /**
     * The attempt ended as {@code outcome} says. Delivered recipients and those refused for good leave (the latter get
     * a DSN: {@link #refusedForGood}); every other recipient of the entry stays held (refused for now, or not tried at
     * all), with its expiry clock. Empty when none stays: the entry leaves the hold.
     */
    Optional<HeldEntry> attempted(AttemptOutcome outcome) {
        ImmutableList<MailAddress> staying = recipients.stream()
            .filter(recipient -> !outcome.delivered().contains(recipient))
            .filter(recipient -> !outcome.refusedForGood().containsKey(recipient))
            .collect(ImmutableList.toImmutableList());
        if (staying.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(successor(staying, warned));
    }

    /** The recipients of this entry that {@code outcome} refused for good: they get the DSN. */
    List<MailAddress> refusedForGood(AttemptOutcome outcome) {
        return recipients.stream().filter(outcome.refusedForGood()::containsKey).collect(ImmutableList.toImmutableList());
    }

    /** The "delayed" DSN went out: the same recipients and clock, marked so that it goes out once. */
    HeldEntry warned() {
        return successor(recipients, true);
    }

    /**
     * The same entry under a new generation: how an entry of an earlier build, or one James's reprocess sent (and will
     * remove), is taken over.
     */
    HeldEntry renewed() {
        return successor(recipients, warned);
    }

    private HeldEntry successor(List<MailAddress> staying, boolean warned) {
        return new HeldEntry(root, domain, random(), null, staying, since, warned, name);
    }

    // ----------------------------------------------------------------------------------------------------- reading

    String root() {
        return root;
    }

    String domain() {
        return domain;
    }

    String generation() {
        return generation;
    }

    /** The key it is stored under. */
    String key() {
        return key == null ? generation : key;
    }

    /** Stored by an earlier build: replaced by a successor of this build's form when first met. */
    boolean isEarlierForm() {
        return !key().equals(generation) || !generation.matches("[a-z2-7]{26}");
    }

    List<MailAddress> recipients() {
        return recipients;
    }

    /** When the mail first entered the hold: the expiry clock. */
    Instant since() {
        return since;
    }

    /** Whether the "delayed" DSN went out. */
    boolean isWarned() {
        return warned;
    }

    /** The mail's name when it entered the hold, for logs. */
    String name() {
        return name;
    }

    @Override
    public String toString() {
        return MoreObjects.toStringHelper("HeldEntry")
            .add("domain", domain)
            .add("generation", generation)
            .add("name", name)
            .add("recipients", recipients)
            .toString();
    }

    /** A copy in flight: the entry it was dispatched from and the claim it was dispatched under. */
    static final class Copy {
        final HeldEntry entry;
        final String token;

        Copy(HeldEntry entry, String token) {
            this.entry = entry;
            this.token = token;
        }

        /** The same copy under another claim token (its attempt's). */
        Copy withToken(String other) {
            return new Copy(entry, other);
        }

        /** Writes this copy's claim onto {@code mail}, a copy of the same entry (nothing else of it changes). */
        Mail writeToken(Mail mail) {
            mail.setAttribute(new Attribute(COPY, AttributeValue.of(entry.generation + ' ' + token + ' ' + entry.root)));
            return mail;
        }
    }

    // -------------------------------------------------------------------------------------------------- the format

    private String heldValue() {
        return since.toEpochMilli() + " " + (warned ? 1 : 0) + " " + domain + " " + name;
    }

    private static final class State {
        final Instant since;
        final boolean warned;
        final String domain;
        final String name;
        final String generation;

        State(Instant since, boolean warned, String domain, String name, String generation) {
            this.since = since;
            this.warned = warned;
            this.domain = domain;
            this.name = name;
            this.generation = generation;
        }
    }

    private static Optional<State> parse(String value) {
        List<String> parts = Splitter.on(' ').limit(4).splitToList(value);
        if (parts.size() < 4) {
            return Optional.empty();
        }
        try {
            return Optional.of(new State(Instant.ofEpochMilli(Long.parseLong(parts.get(0))), parts.get(1).equals("1"),
                parts.get(2), parts.get(3), null));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** An earlier build's state: {@code etrn.hold} = {@code <since> <generation>[ warned]}, or three attributes. */
    private static Optional<State> earlier(Mail mail) {
        Optional<String> held = string(mail, EARLIER);
        if (held.isPresent()) {
            List<String> parts = Splitter.on(' ').splitToList(held.get());
            if (parts.size() < 2) {
                return Optional.empty();
            }
            try {
                return Optional.of(new State(Instant.ofEpochMilli(Long.parseLong(parts.get(0))),
                    parts.size() > 2 && parts.get(2).equals("warned"), null, null, parts.get(1)));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return string(mail, EARLIEST_GENERATION).map(generation -> new State(
            mail.getAttribute(EARLIEST_SINCE).flatMap(attribute -> attribute.getValue().valueAs(Long.class))
                .map(Instant::ofEpochMilli).orElse(Instant.EPOCH),
            mail.getAttribute(EARLIEST_WARNED).flatMap(attribute -> attribute.getValue().valueAs(Boolean.class)).orElse(false),
            null, null, generation));
    }

    private static Optional<String> string(Mail mail, AttributeName name) {
        return mail.getAttribute(name).flatMap(attribute -> attribute.getValue().valueAs(String.class));
    }

    private static ImmutableList<MailAddress> recipients(Mail mail) {
        return ImmutableList.copyOf(mail.getRecipients());
    }

    private static String derived(String material) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(material.getBytes(StandardCharsets.UTF_8));
            return GENERATIONS.encode(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    private static String random() {
        byte[] bits = new byte[16];
        RANDOM.nextBytes(bits);
        return GENERATIONS.encode(bits);
    }
}
