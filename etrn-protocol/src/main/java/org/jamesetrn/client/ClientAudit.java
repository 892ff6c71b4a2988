package org.jamesetrn.client;

import java.time.Duration;
import java.util.Locale;

import org.apache.james.metrics.api.MetricFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One INFO line per ETRN request (relay, node, the relay's reply or why there was none, what happens next) with the
 * relay and node in the MDC, one counter per outcome ({@code etrn_client_<outcome>}) and one more when the backoff
 * gives up ({@code etrn_client_gave_up}). Credentials never reach it: a relay prints as name and address.
 */
final class ClientAudit {
    static final String GAVE_UP_METRIC = "etrn_client_gave_up";
    private static final Logger LOGGER = LoggerFactory.getLogger(ClientAudit.class);

    private final MetricFactory metricFactory;

    ClientAudit(MetricFactory metricFactory) {
        this.metricFactory = metricFactory;
    }

    /** The line first, then the counters: whoever sees a counter move finds the line written. */
    void record(RequestReport report) {
        RequestResult result = report.result();
        try (MDC.MDCCloseable relay = MDC.putCloseable("etrn.relay", result.relay().name());
             MDC.MDCCloseable node = MDC.putCloseable("etrn.node", result.node().asString());
             MDC.MDCCloseable outcome = MDC.putCloseable("etrn.outcome", result.outcome().label())) {
            LOGGER.info("{} to relay {} node {}: {}; {}{} ({}, attempt {} of {}){}", result.relay().protocol().command(),
                result.relay(), result.node(), said(result), result.outcome().label().replace('_', ' '), count(result),
                report.trigger(), report.attempt(), report.attempts(), next(report));
        }
        metricFactory.generate(result.outcome().metricName()).increment();
        if (report.gaveUp()) {
            metricFactory.generate(GAVE_UP_METRIC).increment();
        }
    }

    /** A duration as in the configuration file: 90s is "1m30s", half a second "0.5s". */
    static String words(Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.US);
    }

    /** The relay's reply, why there was none, or both (an ATRN turnaround cut short). */
    private static String said(RequestResult result) {
        if (result.reply().isEmpty()) {
            return result.reason();
        }
        return result.reason().isEmpty() ? result.reply().get() : result.reply().get() + " (" + result.reason() + ")";
    }

    private static String count(RequestResult result) {
        return result.count().isPresent() ? ", " + result.count().getAsLong() + " messages" : "";
    }

    private static String next(RequestReport report) {
        if (report.retryIn().isPresent()) {
            return "; retry in " + words(report.retryIn().get());
        }
        return report.gaveUp() ? "; giving up until the next trigger" : "";
    }
}
