package org.jamesetrn.hold;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The hold on James's memory repositories. */
class MemoryHoldTest extends HoldContract {
    @Override
    String root() {
        return "memory://var/mail/etrn-hold/";
    }

    @Test
    void aMemoryHoldHasNoFileToSync() throws Exception {
        mailet.service(mail("one", "a@held.test"));

        assertThat(synced).isEmpty();
    }
}
