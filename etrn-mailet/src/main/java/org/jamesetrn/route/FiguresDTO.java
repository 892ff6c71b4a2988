package org.jamesetrn.route;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.jamesetrn.release.SourceFigures;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Mails, bytes, the oldest one's age, the next expiry, and {@code "full": true} when the hold takes no more mail for
 * the node (its maxMailsPerNode or maxBytesPerNode): of the node in all, or of one source.
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public class FiguresDTO {
    private final long mails;
    private final long bytes;
    private final Optional<Long> oldestAgeSeconds;
    private final Optional<String> nextExpiry;
    private final Optional<Boolean> full;

    FiguresDTO(SourceFigures figures, Instant now) {
        this.mails = figures.mails();
        this.bytes = figures.bytes();
        this.oldestAgeSeconds = figures.oldest().map(oldest -> Math.max(0, Duration.between(oldest, now).toSeconds()));
        this.nextExpiry = figures.nextExpiry().map(Instant::toString);
        this.full = figures.isFull() ? Optional.of(true) : Optional.empty();
    }

    public long getMails() {
        return mails;
    }

    public long getBytes() {
        return bytes;
    }

    public Optional<Long> getOldestAgeSeconds() {
        return oldestAgeSeconds;
    }

    public Optional<String> getNextExpiry() {
        return nextExpiry;
    }

    public Optional<Boolean> getFull() {
        return full;
    }
}
