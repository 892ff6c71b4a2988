package org.jamesetrn.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.jamesetrn.kit.CustomerMx;

/**
 * The site's side of a release of the node's 1,000 mails, James (memory queue, ActiveMQ queue) and Postfix on the
 * same sink: the most connections the site's MX had open at once (Postfix limits itself to 20 per destination by
 * default; a site that just came back should not be flooded), and ETRN → last delivery when the MX answers every
 * command 20 ms late (a site across a real network: RemoteDelivery opens one connection per mail and does not
 * pipeline; Postfix reuses connections and pipelines).
 */
final class SiteRuns {
    static final Duration LATE = Duration.ofMillis(20);

    /** One relay's runs: the site answering at once, and 20 ms late. */
    static final class Relay {
        DeliveryRuns prompt;
        DeliveryRuns late;
    }

    /** Runs one 1,000-mail release of a relay against the sink as it is set (prompt or late) and records it. */
    interface Release {
        void run(CustomerMx sink, DeliveryRuns runs) throws Exception;
    }

    final Map<String, Relay> relays = new LinkedHashMap<>();
    private final Bench.Options options;

    SiteRuns(Bench.Options options) {
        this.options = options;
    }

    void measure(String relay, CustomerMx sink, Release release) throws Exception {
        Relay rows = new Relay();
        rows.prompt = runs(sink, release, Duration.ZERO);
        rows.late = runs(sink, release, LATE);
        relays.put(relay, rows);
        Bench.log(relay + ": most connections at once " + rows.prompt.mostAtOnceText() + ", last " + rows.prompt.last.format()
            + "; site 20 ms late: last " + rows.late.last.format() + ", most at once " + rows.late.mostAtOnceText());
    }

    private DeliveryRuns runs(CustomerMx sink, Release release, Duration late) throws Exception {
        DeliveryRuns runs = new DeliveryRuns(Integer.toString(options.nodeMails), options.nodeMails);
        try {
            for (int run = 0; run < options.runsSmall; run++) {
                sink.answerLate(late);
                release.run(sink, runs);
            }
        } finally {
            sink.answerLate(Duration.ZERO);
        }
        return runs;
    }

    void render(StringBuilder md) {
        md.append("## 9. The site's side: ").append(options.nodeMails).append(" mails released, nothing else queued\n\n");
        md.append("Most connections the site's MX had open at once during the release (median over the runs, and the largest), ")
            .append("and ETRN → last delivery with the MX answering at once and answering every command ")
            .append(LATE.toMillis()).append(" ms late.\n\n");
        md.append("| relay | runs | connections at once | connections in all | last delivery | site 20 ms late: last delivery | connections at once | complete |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
        relays.forEach((name, r) -> md.append("| ").append(name).append(" | ").append(r.prompt.runs()).append(" | ")
            .append(r.prompt.mostAtOnceText()).append(" | ").append(r.prompt.connectionsText()).append(" | ")
            .append(r.prompt.last.format()).append(" | ").append(r.late.last.format()).append(" | ")
            .append(r.late.mostAtOnceText()).append(" | ").append(r.prompt.completeness()).append(" / ")
            .append(r.late.completeness()).append(" |\n"));
        md.append(String.format(Locale.ROOT, "%n"));
    }
}
