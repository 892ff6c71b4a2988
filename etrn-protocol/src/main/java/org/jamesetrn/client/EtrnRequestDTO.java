package org.jamesetrn.client;

import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One request in the answer of {@code POST /etrnClient}:
 * {@code {"relay":"provider","node":"customer.example","outcome":"started","reply":"253 2.0.0 OK, 3 pending messages
 * for node customer.example started","count":3,"attempt":1}}; {@code reason} instead of {@code reply} when the relay
 * gave none, {@code retryInSeconds} when the request will be retried.
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public final class EtrnRequestDTO {
    static EtrnRequestDTO of(RequestReport report) {
        RequestResult result = report.result();
        return new EtrnRequestDTO(result.relay().name(), result.node().asString(), result.outcome().label(),
            result.reply(), Optional.of(result.reason()).filter(reason -> !reason.isEmpty()),
            result.count().isPresent() ? Optional.of(result.count().getAsLong()) : Optional.empty(),
            report.attempt(), report.retryIn().map(delay -> delay.toSeconds()));
    }

    private final String relay;
    private final String node;
    private final String outcome;
    private final Optional<String> reply;
    private final Optional<String> reason;
    private final Optional<Long> count;
    private final int attempt;
    private final Optional<Long> retryInSeconds;

    private EtrnRequestDTO(String relay, String node, String outcome, Optional<String> reply, Optional<String> reason,
                           Optional<Long> count, int attempt, Optional<Long> retryInSeconds) {
        this.relay = relay;
        this.node = node;
        this.outcome = outcome;
        this.reply = reply;
        this.reason = reason;
        this.count = count;
        this.attempt = attempt;
        this.retryInSeconds = retryInSeconds;
    }

    public String getRelay() {
        return relay;
    }

    public String getNode() {
        return node;
    }

    /** started, nothing_waiting, queuing_started, deferred, unreachable, refused or not_offered. */
    public String getOutcome() {
        return outcome;
    }

    public Optional<String> getReply() {
        return reply;
    }

    public Optional<String> getReason() {
        return reason;
    }

    public Optional<Long> getCount() {
        return count;
    }

    public int getAttempt() {
        return attempt;
    }

    public Optional<Long> getRetryInSeconds() {
        return retryInSeconds;
    }
}
