package org.jamesetrn.route;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Optional;
import java.util.stream.Collectors;

import org.jamesetrn.node.Node;
import org.jamesetrn.release.SourceFigures;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The answer of {@code GET /etrn/{node}}: what waits for the node, in all and per source (hold, queue, repository):
 * mails, bytes, the oldest mail's age in seconds and, for a hold, the next expiry and whether it is full;
 * {@code readAt} when the figures were read before this request (a read that outlived an earlier request).
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
@JsonPropertyOrder({"node", "mails", "bytes", "oldestAgeSeconds", "nextExpiry", "full", "readAt", "sources"})
public class NodeFiguresDTO extends FiguresDTO {
    static NodeFiguresDTO of(Node node, List<SourceFigures> figures, Optional<Instant> readAt, Instant now) {
        return new NodeFiguresDTO(node.asString(), readAt.map(Instant::toString),
            new SourceFigures(SourceFigures.Kind.QUEUE, "",
                figures.stream().mapToLong(SourceFigures::mails).sum(),
                figures.stream().mapToLong(SourceFigures::bytes).sum(),
                figures.stream().flatMap(source -> source.oldest().stream()).min(Instant::compareTo),
                figures.stream().flatMap(source -> source.nextExpiry().stream()).min(Instant::compareTo),
                figures.stream().anyMatch(SourceFigures::isFull)),
            figures.stream().map(source -> new Source(source, now)).collect(Collectors.toList()),
            now);
    }

    @JsonPropertyOrder({"kind", "source", "mails", "bytes", "oldestAgeSeconds", "nextExpiry", "full"})
    public static final class Source extends FiguresDTO {
        private final String kind;
        private final String source;

        Source(SourceFigures figures, Instant now) {
            super(figures, now);
            this.kind = figures.kind().name().toLowerCase(Locale.US);
            this.source = figures.source();
        }

        public String getKind() {
            return kind;
        }

        public String getSource() {
            return source;
        }
    }

    private final String node;
    private final Optional<String> readAt;
    private final List<Source> sources;

    private NodeFiguresDTO(String node, Optional<String> readAt, SourceFigures total, List<Source> sources, Instant now) {
        super(total, now);
        this.node = node;
        this.readAt = readAt;
        this.sources = sources;
    }

    public String getNode() {
        return node;
    }

    public Optional<String> getReadAt() {
        return readAt;
    }

    public List<Source> getSources() {
        return sources;
    }
}
