package org.jamesetrn.hold;

import java.util.ArrayList;
import java.util.List;

import javax.inject.Inject;

import org.apache.james.core.healthcheck.ComponentName;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.core.healthcheck.Result;
import org.reactivestreams.Publisher;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A part of the hold's {@code /healthcheck} component: can each hold's store be read (its domains listed) and written
 * (a probe entry stored and removed, in a repository no node name can reach)? Unhealthy when it cannot; degraded while
 * a held domain's last write failed (RCPT TO for it answered 451) though the probe goes through.
 */
public class HoldStoreHealthCheck implements HealthCheck {
    static final ComponentName NAME = new ComponentName("hold store");

    private final Holds holds;

    @Inject
    public HoldStoreHealthCheck(Holds holds) {
        this.holds = holds;
    }

    @Override
    public ComponentName componentName() {
        return NAME;
    }

    @Override
    public Publisher<Result> check() {
        return Mono.fromCallable(this::checkNow).subscribeOn(Schedulers.boundedElastic());
    }

    private Result checkNow() {
        List<String> degraded = new ArrayList<>();
        for (Hold hold : holds.all()) {
            try {
                hold.probeStore();
            } catch (Exception e) {
                return Result.unhealthy(NAME, "the hold " + hold.root() + " cannot be read or written: " + e, e);
            }
            hold.unwritableDomains().forEach(domain -> degraded.add(domain + " under " + hold.root()));
        }
        return degraded.isEmpty() ? Result.healthy(NAME)
            : Result.degraded(NAME, "the last write failed for " + String.join(", ", degraded));
    }
}
