package org.jamesetrn.hold;

import javax.inject.Inject;

import org.apache.james.core.healthcheck.ComponentName;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.core.healthcheck.Result;
import org.reactivestreams.Publisher;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A part of the hold's {@code /healthcheck} component: can the claims be read (on a cluster, Cassandra's lightweight
 * transactions answer)? While they cannot, no held mail is released or expired, and copies in flight wait.
 */
public class ClaimsHealthCheck implements HealthCheck {
    static final ComponentName NAME = new ComponentName("claims");
    /** Never a generation: read, never written. */
    private static final String PROBE = "health-check";

    private final ReleaseClaims claims;

    @Inject
    public ClaimsHealthCheck(ReleaseClaims claims) {
        this.claims = claims;
    }

    @Override
    public ComponentName componentName() {
        return NAME;
    }

    @Override
    public Publisher<Result> check() {
        return Mono.fromCallable(() -> {
            claims.isEnded(PROBE);
            return Result.healthy(NAME);
        }).onErrorResume(error -> Mono.just(Result.unhealthy(NAME, "the claims cannot be read: " + error, error)))
            .subscribeOn(Schedulers.boundedElastic());
    }
}
