package org.jamesetrn.hold;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import org.jamesetrn.testing.MovingClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * A lease whose claim cannot be renewed any more: a claim taken by another server (it lapsed) is worth a warning; a
 * claim ended by another server (it delivered a copy this server released, the normal case on a cluster) is not.
 */
class LeasesTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    private final MovingClock clock = new MovingClock();
    private final MemoryReleaseClaims claims = new MemoryReleaseClaims(TIMEOUT, clock);
    private final Leases leases = new Leases(claims, TIMEOUT, clock, false);
    private final Logger logger = (Logger) LoggerFactory.getLogger(Leases.class);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void listen() {
        lines.start();
        logger.setLevel(Level.DEBUG);
        logger.addAppender(lines);
    }

    @AfterEach
    void stopListening() {
        logger.detachAppender(lines);
        logger.setLevel(null);
        leases.close();
    }

    @Test
    void aClaimEndedElsewhereIsDroppedWithoutAWarning() {
        assertThat(claims.claim("g", "ours")).isTrue();
        leases.hold("g", "ours");
        claims.end("g"); // the other server delivered the copy and stored its outcome

        clock.forward(TIMEOUT.dividedBy(2));
        leases.renewAll();

        assertThat(leases.holds("g", "ours")).isFalse();
        assertThat(warnings()).isEmpty();
    }

    @Test
    void aClaimTakenByAnotherIsDroppedWithAWarning() {
        assertThat(claims.claim("g", "ours")).isTrue();
        leases.hold("g", "ours");
        clock.forward(TIMEOUT.plusSeconds(1)); // not renewed in time (a stalled server): it lapsed
        assertThat(claims.claim("g", "theirs")).isTrue();

        leases.renewAll();

        assertThat(leases.holds("g", "ours")).isFalse();
        assertThat(warnings()).singleElement().asString().contains("was lost");
    }

    private List<String> warnings() {
        return lines.list.stream()
            .filter(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
            .map(ILoggingEvent::getFormattedMessage)
            .collect(Collectors.toList());
    }
}
