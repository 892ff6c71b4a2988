package org.jamesetrn.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jamesetrn.kit.CustomerMx;

/** Repeated release runs of one case: how fast the trigger answered, when the first and last mail arrived. */
final class DeliveryRuns {
    final String label;
    final String node;
    final Stats reply = new Stats();
    /** ETRN sent → the engine's log line saying every selected mail is re-enqueued (1 ms resolution). */
    final Stats release = new Stats();
    final Stats first = new Stats();
    final Stats last = new Stats();
    final List<Integer> connections = new ArrayList<>();
    /** Per run, the most connections the sink had open at once. */
    final List<Integer> mostAtOnce = new ArrayList<>();
    final List<String> replies = new ArrayList<>();
    long mails;
    long othersDelivered;
    long duplicates;
    int incomplete;
    String othersLeft = "";

    DeliveryRuns(String label, long mails) {
        this(label, mails, Bench.NODE);
    }

    DeliveryRuns(String label, long mails, String node) {
        this.label = label;
        this.mails = mails;
        this.node = node;
    }

    /** One run: its trigger's reply and what the sink received since it was told to forget. */
    void add(long replyNanos, String replyText, CustomerMx sink, long startNanos, boolean complete) {
        reply.add(replyNanos);
        replies.add(replyText.trim());
        if (!complete) {
            incomplete++;
        }
        long forNode = sink.deliveryCount(node);
        if (forNode > 0) {
            first.add(sink.firstDeliveryNanos() - startNanos);
            if (complete) {
                last.add(sink.lastDeliveryNanos() - startNanos);
            }
        }
        connections.add(sink.connections());
        mostAtOnce.add(sink.mostSimultaneousConnections());
        // Every mail of the benchmark has one recipient: it is either the node's or another domain's.
        othersDelivered += sink.deliveryCount() - forNode;
        duplicates += sink.deliveryCount() - sink.distinctMessageIds();
    }

    /**
     * One run whose mails arrived over the requester's own connection (ATRN): the deliveries it recorded, all on
     * {@code connections} connection(s).
     */
    void add(long replyNanos, String replyText, List<CustomerMx.Delivery> deliveries, long startNanos, boolean complete,
             int connections) {
        reply.add(replyNanos);
        replies.add(replyText.trim());
        if (!complete) {
            incomplete++;
        }
        if (!deliveries.isEmpty()) {
            first.add(deliveries.get(0).nanos() - startNanos);
            if (complete) {
                last.add(deliveries.get(deliveries.size() - 1).nanos() - startNanos);
            }
        }
        this.connections.add(connections);
        mostAtOnce.add(connections);
        duplicates += deliveries.size() - deliveries.stream().map(CustomerMx.Delivery::messageId).distinct().count();
    }

    int runs() {
        return reply.count();
    }

    String mailsPerSecond() {
        if (last.isEmpty()) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.0f", mails / (last.medianMillis() / 1000));
    }

    String connectionsText() {
        return median(connections);
    }

    /** Median over the runs, and the largest, of the connections open at once: "median (max)". */
    String mostAtOnceText() {
        if (mostAtOnce.isEmpty()) {
            return "n/a";
        }
        return median(mostAtOnce) + " (max " + mostAtOnce.stream().mapToInt(Integer::intValue).max().getAsInt() + ")";
    }

    private static String median(List<Integer> values) {
        if (values.isEmpty()) {
            return "n/a";
        }
        List<Integer> sorted = new ArrayList<>(values);
        sorted.sort(Integer::compare);
        return Integer.toString(sorted.get(sorted.size() / 2));
    }

    String replyText() {
        return replies.isEmpty() ? "" : replies.get(replies.size() - 1).replace('\n', ' ');
    }

    String completeness() {
        return incomplete == 0 ? "all" : (runs() - incomplete) + "/" + runs() + " complete";
    }
}
