package org.jamesetrn.route;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

import org.jamesetrn.node.Node;
import org.jamesetrn.release.SourceFigures;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The answer of {@code GET /etrn/{node}}: what waits for the node, in all and per source (hold, queue, repository):
 * mails, bytes, the oldest mail's age in seconds and, for a hold, the next expiry.
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public class NodeFiguresDTO {
    static NodeFiguresDTO of(Node node, List<SourceFigures> figures, Instant now) {
        List<Source> sources = figures.stream().map(source -> new Source(source, now)).collect(Collectors.toList());
        return new NodeFiguresDTO(node.asString(),
            figures.stream().mapToLong(SourceFigures::mails).sum(),
            figures.stream().mapToLong(SourceFigures::bytes).sum(),
            figures.stream().flatMap(source -> source.oldest().stream()).min(Instant::compareTo).map(oldest -> age(oldest, now)),
            figures.stream().flatMap(source -> source.nextExpiry().stream()).min(Instant::compareTo).map(Instant::toString),
            sources);
    }

    private static long age(Instant since, Instant now) {
        return Math.max(0, Duration.between(since, now).toSeconds());
    }

    @JsonInclude(JsonInclude.Include.NON_ABSENT)
    public static final class Source {
        private final String kind;
        private final String source;
        private final long mails;
        private final long bytes;
        private final Optional<Long> oldestAgeSeconds;
        private final Optional<String> nextExpiry;

        Source(SourceFigures figures, Instant now) {
            this.kind = figures.kind().name().toLowerCase(Locale.US);
            this.source = figures.source();
            this.mails = figures.mails();
            this.bytes = figures.bytes();
            this.oldestAgeSeconds = figures.oldest().map(oldest -> age(oldest, now));
            this.nextExpiry = figures.nextExpiry().map(Instant::toString);
        }

        public String getKind() {
            return kind;
        }

        public String getSource() {
            return source;
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
    }

    private final String node;
    private final long mails;
    private final long bytes;
    private final Optional<Long> oldestAgeSeconds;
    private final Optional<String> nextExpiry;
    private final List<Source> sources;

    private NodeFiguresDTO(String node, long mails, long bytes, Optional<Long> oldestAgeSeconds, Optional<String> nextExpiry,
                           List<Source> sources) {
        this.node = node;
        this.mails = mails;
        this.bytes = bytes;
        this.oldestAgeSeconds = oldestAgeSeconds;
        this.nextExpiry = nextExpiry;
        this.sources = sources;
    }

    public String getNode() {
        return node;
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

    public List<Source> getSources() {
        return sources;
    }
}
