package org.jamesetrn.kit.probe;

import java.time.Instant;
import java.util.Optional;

import org.apache.mailet.Mail;
import org.jamesetrn.hold.HeldEntryView;

/**
 * TESTS AND BENCHMARK ONLY: what the hold stored with a held mail, as the kit reads it: through the hold's own public
 * reader ({@link HeldEntryView}), in the James the probe routes run in, so that the kit parses nothing of the hold.
 */
final class HeldState {
    private final HeldEntryView view;

    private HeldState(HeldEntryView view) {
        this.view = view;
    }

    /** The state the hold stored with this mail of {@code domain}'s repository; empty when it is no held entry. */
    static Optional<HeldState> of(String domain, Mail mail) {
        return HeldEntryView.of(domain, mail).map(HeldState::new);
    }

    /** When the mail first entered the hold: its expiry clock. */
    Instant since() {
        return view.since();
    }

    /** The entry's identity (and key): a new one after every attempt that leaves recipients held. */
    String generation() {
        return view.generation();
    }
}
