package org.jamesetrn.protocol;

import java.util.Locale;

import org.apache.james.core.Username;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.util.MDCBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One INFO line per ETRN (client, user, node, decision, count), with the same facts in the MDC as James's protocol
 * logs, and one counter per outcome. The client's raw argument is never logged: a syntax error logs the reason.
 */
final class EtrnAudit {
    private static final Logger LOGGER = LoggerFactory.getLogger(EtrnAudit.class);
    private static final String NODE = "etrn.node";
    private static final String DECISION = "etrn.decision";

    private final MetricFactory metricFactory;

    EtrnAudit(MetricFactory metricFactory) {
        this.metricFactory = metricFactory;
    }

    void record(Requester client, EtrnAnswer answer) {
        metricFactory.generate(answer.outcome().metricName()).increment();
        String user = client.user().map(Username::asString).orElse("-");
        MDCBuilder mdc = MDCBuilder.create()
            .addToContext(MDCBuilder.PROTOCOL, "SMTP")
            .addToContext(MDCBuilder.ACTION, "ETRN")
            .addToContext(MDCBuilder.IP, client.addressAsString())
            .addToContext(MDCBuilder.USER, user)
            .addToContext(DECISION, answer.outcome().name());
        answer.node().ifPresent(node -> mdc.addToContext(NODE, node.asString()));
        String node = answer.node().map(requested -> " node " + requested.asString()).orElse("");
        String detail = answer.detail().isEmpty() ? "" : " (" + answer.detail() + ")";
        String count = answer.count().isPresent() && answer.outcome() != EtrnOutcome.NOTHING_WAITING
            ? ", " + answer.count().getAsLong() + " deferred mails" : "";
        MDCBuilder.withMdc(mdc, () -> LOGGER.info("ETRN from {} user {}{}: {}{}{}", client.addressAsString(), user,
            node, answer.outcome().name().toLowerCase(Locale.US).replace('_', ' '), count, detail));
    }
}
