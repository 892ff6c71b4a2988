package org.jamesetrn.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import org.jamesetrn.kit.Conf;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.OdmrCustomer;
import org.jamesetrn.kit.Poll;

/**
 * Issue 19 in the benchmark: 1,000 held mails for a customer whose every reply line comes 20 ms late (a site across
 * a real network), delivered three ways in the same run: ATRN over the customer's one connection (the kit's
 * {@link OdmrCustomer}, pipelining offered), ETRN releasing the hold through RemoteDelivery to the customer's MX, and
 * Postfix's ETRN of its deferred queue (connection cache, pipelining, up to 20 connections) to the same sink.
 */
final class OdmrRuns {
    static final String DOMAIN = HoldRuns.NODE;
    static final String CUSTOMER = "bench.customer";
    static final String SECRET = "bench-secret";
    private static final String CUSTOMERS = "odmr-customers.properties";

    /** Runs one release of the node's mail against the sink as it is set (20 ms late) and records it. */
    interface Release {
        void run(CustomerMx sink, DeliveryRuns runs) throws Exception;
    }

    final Map<String, DeliveryRuns> rows = new LinkedHashMap<>();
    private final Bench.Options options;
    private final HoldRuns.Servers servers;
    private int runId;

    OdmrRuns(Bench.Options options, HoldRuns.Servers servers) {
        this.options = options;
        this.servers = servers;
    }

    static Consumer<Conf> customer() {
        return conf -> conf.setProperty(CUSTOMERS, "customers", CUSTOMER)
            .setProperty(CUSTOMERS, "customer." + CUSTOMER + ".secret", SECRET)
            .setProperty(CUSTOMERS, "customer." + CUSTOMER + ".domains", DOMAIN);
    }

    void run(CustomerMx sink, Map<String, Release> others) throws Exception {
        int n = options.nodeMails;
        try (JamesServer james = servers.start("james-odmr", sink, customer())) {
            DeliveryRuns atrn = new DeliveryRuns(Integer.toString(n), n, DOMAIN);
            DeliveryRuns etrn = new DeliveryRuns(Integer.toString(n), n, DOMAIN);
            for (int run = 0; run < options.runsSmall; run++) {
                fill(james, n);
                atrnRun(james, atrn, n);
                fill(james, n);
                late(sink, runs -> Bench.etrnRun(james, sink, runs, DOMAIN, n), etrn);
            }
            rows.put("ATRN, James (the hold, over the customer's connection)", atrn);
            rows.put("ETRN, James (the hold released through RemoteDelivery)", etrn);
        }
        for (Map.Entry<String, Release> other : others.entrySet()) {
            DeliveryRuns runs = new DeliveryRuns(Integer.toString(n), n);
            for (int run = 0; run < options.runsSmall; run++) {
                late(sink, row -> other.getValue().run(sink, row), runs);
            }
            rows.put(other.getKey(), runs);
        }
        rows.forEach((name, runs) -> Bench.log("ODMR section, " + name + ": last " + runs.last.format() + ", connections "
            + runs.connectionsText() + ", " + runs.completeness()));
    }

    private interface Run {
        void run(DeliveryRuns runs) throws Exception;
    }

    private static void late(CustomerMx sink, Run run, DeliveryRuns runs) throws Exception {
        sink.answerLate(SiteRuns.LATE);
        try {
            run.run(runs);
        } finally {
            sink.answerLate(Duration.ZERO);
        }
    }

    private void fill(JamesServer james, int n) throws Exception {
        james.hold(n, DOMAIN, "odmr-" + (++runId));
        Poll.until(Duration.ofMinutes(10), Duration.ofMillis(200), () -> {
            try {
                return james.held(HoldRuns.ROOTS_FILE) >= n;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static void atrnRun(JamesServer james, DeliveryRuns runs, int n) throws Exception {
        long start = System.nanoTime();
        OdmrCustomer.Session session = OdmrCustomer.of(james.odmrPort(), CUSTOMER, SECRET)
            .answerLate(SiteRuns.LATE)
            .timeout(Duration.ofMinutes(10))
            .atrn(DOMAIN);
        boolean complete = session.deliveries().size() == n && "QUIT".equals(session.end());
        runs.add(Math.max(0, session.atrnNanos()), session.atrnReply().orElse(session.end()), session.deliveries(), start,
            complete, 1);
        if (!complete) {
            Bench.log("ATRN run incomplete: " + session);
        }
        Poll.until(Duration.ofMinutes(2), Duration.ofMillis(100), () -> {
            try {
                return james.held(HoldRuns.ROOTS_FILE) == 0;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    void render(StringBuilder md) {
        md.append("## 10. On-Demand Mail Relay: ").append(options.nodeMails).append(" held mails, the customer answering ")
            .append("every reply ").append(SiteRuns.LATE.toMillis()).append(" ms late\n\n");
        md.append("The request (ATRN or ETRN) → the first and the last mail accepted by the customer; ATRN's mail comes over ")
            .append("the customer's own connection (pipelining offered), ETRN's to its MX on the relay's connections.\n\n");
        md.append("| how | runs | reply | first delivery | last delivery | connections | complete | duplicates |\n");
        md.append("|---|---:|---:|---:|---:|---:|---|---:|\n");
        rows.forEach((name, r) -> md.append("| ").append(name).append(" | ").append(r.runs()).append(" | ")
            .append(r.reply.format()).append(" | ").append(r.first.format()).append(" | ").append(r.last.format())
            .append(" | ").append(r.connectionsText()).append(" | ").append(r.completeness()).append(" | ")
            .append(r.duplicates).append(" |\n"));
        md.append(String.format(Locale.ROOT, "%n"));
    }
}
