package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.RelayExtension;
import org.jamesetrn.kit.Repository;
import org.jamesetrn.kit.SmtpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The extension reaches James only the way an admin installs it: jars in extensions-jars/, never the classpath. */
@ExtendWith(RelayExtension.class)
class ExtensionLoadingTest {
    @Test
    void ourClassesAreNotOnTheTestClasspath() {
        assertThatThrownBy(() -> Class.forName("org.jamesetrn.protocol.EtrnCmdHandler"))
            .isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> Class.forName("org.jamesetrn.release.DeferredMailRelease"))
            .isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void theRelayLoadedThemFromExtensionsJars(EtrnRelay relay) {
        Path jars = Repository.underTest().extension().jars();
        assertThat(Files.exists(jars.resolve("etrn-protocol.jar"))).isTrue();
        assertThat(Files.exists(jars.resolve("etrn-mailet.jar"))).isTrue();
        try (SmtpClient client = SmtpClient.connect(relay.smtpPort())) {
            assertThat(client.ehlo().lines()).anyMatch(line -> line.endsWith("ETRN"));
        }
    }
}
