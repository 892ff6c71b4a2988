package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * An ETRN client installed from its Debian package (run-tests.sh installs msmtp and fetchmail). In CI (CI=true) a
 * missing client fails the test; on a developer machine it skips it.
 */
final class RealClient {
    /** What the client did: its exit status and everything it printed. */
    static final class Run {
        final int exitCode;
        final String output;

        Run(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + ":\n" + output;
        }
    }

    private RealClient() {
    }

    static void require(String program) {
        boolean installed = System.getenv().getOrDefault("PATH", "").isEmpty() ? false
            : List.of(System.getenv("PATH").split(File.pathSeparator)).stream()
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
        require(installed, program + " is not installed (run-tests.sh installs it: apt-get install " + program + ")");
    }

    /** Fails in CI (CI=true), skips the test on a developer machine, when something installed from Debian is missing. */
    static void require(boolean installed, String message) {
        if (installed) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getProperty("etrn.ci", System.getenv("CI")))) {
            fail(message);
        }
        Assumptions.assumeTrue(false, message);
    }

    static Run run(Path home, String... command) throws IOException, InterruptedException {
        require(command[0]);
        Path output = Files.createTempFile(home, command[0], ".out");
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(List.of(command)))
            .directory(home.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
        // A private HOME: no ~/.msmtprc or ~/.fetchmailrc of the machine's user changes what the client does.
        builder.environment().put("HOME", home.toString());
        Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail(String.join(" ", command) + " did not finish within 60 s");
        }
        return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }
}
