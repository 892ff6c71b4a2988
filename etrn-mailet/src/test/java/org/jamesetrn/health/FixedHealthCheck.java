package org.jamesetrn.health;

import java.util.function.Function;

import org.apache.james.core.healthcheck.ComponentName;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.core.healthcheck.Result;
import org.reactivestreams.Publisher;

import reactor.core.publisher.Mono;

/** A check for the tests: its component name, and the result the test gives it. */
public final class FixedHealthCheck implements HealthCheck {
    private final ComponentName componentName;
    private final Function<ComponentName, Result> result;

    public FixedHealthCheck(String name, Function<ComponentName, Result> result) {
        this.componentName = new ComponentName(name);
        this.result = result;
    }

    @Override
    public ComponentName componentName() {
        return componentName;
    }

    @Override
    public Publisher<Result> check() {
        return Mono.fromCallable(() -> result.apply(componentName));
    }
}
