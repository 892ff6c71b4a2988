package org.jamesetrn.hold;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.mail.MessagingException;

import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepositoryUrl;

import org.jamesetrn.release.RecordingRelease;
import org.junit.jupiter.api.Test;

/** The hold on James's file repositories: what a restart finds. */
class FileHoldTest extends HoldContract {
    @Override
    String root() {
        return "file://var/mail/etrn-hold/";
    }

    @Test
    void aHeldMailsFilesAndTheirFolderAreSyncedToDiskWhenHeld() throws Exception {
        synced.clear();

        mailet.service(mail("one", "a@held.test", "b@held.test"));

        Path folder = fileSystem.getFile(root() + "held.test").toPath();
        List<Path> files;
        try (Stream<Path> listed = Files.list(folder)) {
            files = listed.collect(Collectors.toList());
        }
        // James's two files of the entry (its message, its other fields), then the folder that names them.
        assertThat(files).hasSize(2);
        assertThat(synced).hasSize(3).containsAll(files).endsWith(folder);
    }

    @Test
    void aHoldStartsOnlyOnceItFoundAndSyncedAProbeEntrysFiles() throws Exception {
        // setUp started the hold: its probe's files and their folder were synced, so James writes them where expected.
        assertThat(synced).contains(fileSystem.getFile(root() + Hold.HEALTH).toPath());
    }

    @Test
    void anEntryWhoseFilesAreNotWhereJamesWritesThemIsAnErrorNotASilentSkip() {
        assertThatThrownBy(() -> new HeldFiles(MailRepositoryUrl.from(root()), fileSystem, path -> { })
                .synced(MailRepositoryUrl.from(root() + "held.test"), new MailKey("never-stored")))
            .isInstanceOf(MessagingException.class)
            .hasMessageContaining("James's file repository did not write never-stored");
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
