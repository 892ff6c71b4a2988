package org.jamesetrn.kit.probe;

import java.time.Instant;
import java.util.Optional;

import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;

/**
 * TESTS AND BENCHMARK ONLY: what the hold stored with a held mail, as the kit reads it. {@link #of} is the kit's one
 * reader of HoldForEtrn's stored attribute (by name: the kit does not compile against our jars); when the hold's
 * stored form changes, it is the one method to change (or to point at the hold's own public reader).
 */
final class HeldState {
    /** HoldForEtrn's one stored attribute: {@code <epoch millis held since> <generation>[ warned]}. */
    private static final AttributeName HELD = AttributeName.of("etrn.hold");

    private final Instant since;
    private final String generation;

    private HeldState(Instant since, String generation) {
        this.since = since;
        this.generation = generation;
    }

    /** The state the hold stored with this mail; empty when it stored none (or a form this method cannot read). */
    static Optional<HeldState> of(Mail mail) {
        return mail.getAttribute(HELD)
            .flatMap(attribute -> attribute.getValue().valueAs(String.class))
            .map(value -> value.split(" "))
            .filter(parts -> parts.length >= 2 && parts[0].matches("\\d+"))
            .map(parts -> new HeldState(Instant.ofEpochMilli(Long.parseLong(parts[0])), parts[1]));
    }

    /** When the mail first entered the hold: its expiry clock. */
    Instant since() {
        return since;
    }

    /** Names one held mail from the moment it enters the hold until it leaves it for good. */
    String generation() {
        return generation;
    }
}
