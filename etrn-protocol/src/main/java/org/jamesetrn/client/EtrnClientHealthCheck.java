package org.jamesetrn.client;

import java.util.List;

import javax.inject.Inject;

import org.apache.james.core.healthcheck.ComponentName;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.core.healthcheck.Result;
import org.reactivestreams.Publisher;

import com.google.common.collect.ImmutableList;

import reactor.core.publisher.Mono;

/**
 * The ETRN client's component of James's {@code /healthcheck} ({@value #NAME}): degraded while the last request for
 * some node of some relay failed (unreachable, deferred, refused, ETRN not offered), the cause naming each; healthy
 * when every last request succeeded, before the first one, and with no relay listed. Degraded, not unhealthy: James
 * itself works, the site's mail just waits on the relay until the next trigger. Reads what the client already knows,
 * never connects. Listed in {@code additional.healthchecks} of conf/healthcheck.properties.
 */
public class EtrnClientHealthCheck implements HealthCheck {
    public static final String NAME = "ETRN client";
    private static final ComponentName COMPONENT = new ComponentName(NAME);

    private final EtrnClient client;

    @Inject
    EtrnClientHealthCheck(EtrnClient client) {
        this.client = client;
    }

    @Override
    public ComponentName componentName() {
        return COMPONENT;
    }

    @Override
    public Publisher<Result> check() {
        return Mono.fromCallable(this::result);
    }

    private Result result() {
        List<String> failed = client.lastResults().stream()
            .filter(result -> !result.outcome().succeeded())
            .map(EtrnClientHealthCheck::describe)
            .collect(ImmutableList.toImmutableList());
        return failed.isEmpty() ? Result.healthy(COMPONENT) : Result.degraded(COMPONENT, String.join("; ", failed));
    }

    /** {@code relay down (127.0.0.1:2525) node client.test: unreachable (Couldn't connect to host...)}. */
    private static String describe(RequestResult result) {
        return "relay " + result.relay() + " node " + result.node() + ": " + result.outcome().label().replace('_', ' ')
            + " (" + result.reply().orElse(result.reason()) + ")";
    }
}
