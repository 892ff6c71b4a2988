package org.jamesetrn.hold;

import static org.assertj.core.api.Assertions.assertThat;

import org.jamesetrn.release.RecordingRelease;
import org.junit.jupiter.api.Test;

/** The hold on James's file repositories: what a restart finds. */
class FileHoldTest extends HoldContract {
    @Override
    String root() {
        return "file://var/mail/etrn-hold/";
    }

    @Test
    void aRestartRemovesTheFolderOfADomainThatHoldsNothing() throws Exception {
        mailet.service(mail("one", "a@held.test"));
        hold.repository("held.test").removeAll();
        java.io.File folder = fileSystem.getFile(root() + "held.test");
        assertThat(folder).isDirectory();

        MemoryReleaseClaims restartedClaims = new MemoryReleaseClaims(CLAIM_TIMEOUT, clock);
        try (Holds restarted = newHolds(newStore(), restartedClaims, new Leases(restartedClaims, CLAIM_TIMEOUT, clock, false))) {
            holdMailet(restarted);

            assertThat(folder).doesNotExist();
            assertThat(restarted.all().get(0).domains()).doesNotContain("held.test");
        }
    }

    @Test
    void aRestartFindsTheHeldDomainsAndTheirMail() throws Exception {
        mailet.service(mail("one", "a@held.test"));
        mailet.service(mail("two", "b@other.test"));

        // A new server on the same working directory: a new repository store knows no URL yet.
        MemoryReleaseClaims restartedClaims = new MemoryReleaseClaims(CLAIM_TIMEOUT, clock);
        Holds restarted = newHolds(newStore(), restartedClaims, new Leases(restartedClaims, CLAIM_TIMEOUT, clock, false));
        try {
            holdMailet(restarted);
            Hold found = restarted.all().get(0);

            assertThat(found.domains()).containsExactlyInAnyOrder("held.test", "other.test");
            assertThat(found.keys("held.test")).hasSize(1);
            assertThat(restarted.sourcesFor(org.jamesetrn.node.Node.domainAndSubdomains("test"))).hasSize(2);
        } finally {
            restarted.close();
        }
    }
}
