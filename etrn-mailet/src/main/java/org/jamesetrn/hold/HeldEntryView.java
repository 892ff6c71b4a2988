package org.jamesetrn.hold;

import java.time.Instant;
import java.util.Optional;

import org.apache.mailet.Mail;

/**
 * A stored held entry as an admin tool or a test reads it from James's repository (the mail under its key): read by
 * {@link HeldEntry}, the one reader of the hold's attributes, so that nothing else parses them.
 */
public final class HeldEntryView {
    private final HeldEntry entry;

    private HeldEntryView(HeldEntry entry) {
        this.entry = entry;
    }

    /** The entry stored as {@code stored} (read from its repository: its name is its key); empty for any other mail. */
    public static Optional<HeldEntryView> of(String domain, Mail stored) {
        return HeldEntry.stored("", domain, stored.getName(), stored).map(HeldEntryView::new);
    }

    /** Names the entry, and its recipients, until they leave or change: a new one after every attempt that leaves some held. */
    public String generation() {
        return entry.generation();
    }

    /** When the mail first entered the hold: the expiry clock. */
    public Instant since() {
        return entry.since();
    }

    /** Whether the "delayed" DSN went out. */
    public boolean isWarned() {
        return entry.isWarned();
    }

    /** The mail's name when it entered the hold. */
    public String name() {
        return entry.name();
    }
}
