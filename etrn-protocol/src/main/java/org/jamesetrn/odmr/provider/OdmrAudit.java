package org.jamesetrn.odmr.provider;

import java.net.InetAddress;
import java.util.List;

import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.util.MDCBuilder;
import org.jamesetrn.odmr.Printable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ODMR listener's log lines and counters: one INFO line per AUTH, per ATRN and per turnaround, with the client's
 * address and the customer's name in the MDC as James's protocol logs have them. Never a secret, never what a
 * customer sent as its AUTH answer: a user name it gave is cleaned and shown, nothing more.
 */
final class OdmrAudit {
    private static final Logger LOGGER = LoggerFactory.getLogger(OdmrAudit.class);
    static final String AUTH_FAILED = "odmr_auth_failed";
    static final String AUTH_SUCCEEDED = "odmr_auth_succeeded";
    static final String SESSION_REFUSED = "odmr_session_refused";
    static final String DELIVERED = "odmr_recipients_delivered";
    static final String REFUSED_FOR_NOW = "odmr_recipients_refused_for_now";
    static final String REFUSED_FOR_GOOD = "odmr_recipients_refused_for_good";

    private final MetricFactory metricFactory;

    OdmrAudit(MetricFactory metricFactory) {
        this.metricFactory = metricFactory;
    }

    void sessionRefused(InetAddress address, String why) {
        metricFactory.generate(SESSION_REFUSED).increment();
        LOGGER.info("ODMR connection from {} refused: {}", address.getHostAddress(), why);
    }

    void auth(InetAddress address, String user, boolean succeeded) {
        metricFactory.generate(succeeded ? AUTH_SUCCEEDED : AUTH_FAILED).increment();
        withMdc(address, user, "AUTH", () -> LOGGER.info("ODMR AUTH CRAM-MD5 from {} as {}: {}", address.getHostAddress(),
            Printable.clean(user), succeeded ? "authenticated" : "failed"));
    }

    void atrn(InetAddress address, String customer, List<String> domains, AtrnAnswer answer) {
        metricFactory.generate(answer.outcome().metricName()).increment();
        withMdc(address, customer, "ATRN", () -> LOGGER.info("ATRN from {} customer {} for {}: {}", address.getHostAddress(),
            customer, domains.isEmpty() ? "(no domain)" : String.join(",", domains), answer.reply()));
    }

    void turn(InetAddress address, String customer, TurnReport report) {
        metricFactory.generate(DELIVERED).add(report.delivered());
        metricFactory.generate(REFUSED_FOR_NOW).add(report.refusedForNow());
        metricFactory.generate(REFUSED_FOR_GOOD).add(report.refusedForGood());
        withMdc(address, customer, "ATRN", () -> LOGGER.info("ODMR turnaround for {} customer {}: {}",
            address.getHostAddress(), customer, report));
    }

    private static void withMdc(InetAddress address, String user, String action, MDCBuilder.VoidOperation log) {
        MDCBuilder mdc = MDCBuilder.create()
            .addToContext(MDCBuilder.PROTOCOL, "ODMR")
            .addToContext(MDCBuilder.ACTION, action)
            .addToContext(MDCBuilder.IP, address.getHostAddress())
            .addToContext(MDCBuilder.USER, Printable.clean(user));
        MDCBuilder.withMdc(mdc, log);
    }
}
