package org.jamesetrn.health;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.james.core.healthcheck.ComponentName;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.core.healthcheck.Result;
import org.apache.james.core.healthcheck.ResultStatus;
import org.reactivestreams.Publisher;

import com.google.common.collect.ImmutableList;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One component of James's {@code /healthcheck} made of several checks: its status is the worst of theirs, its cause
 * names each part that is not healthy ({@code "hold store: cannot write; claims: ..."}). Healthy when it has no part.
 *
 * <p>Why: James lists the checks of an extension one class per line of {@code additional.healthchecks}
 * (healthcheck.properties), each built in the extension injector; a {@code Multibinder<HealthCheck>} in an extension
 * module does not reach {@code /healthcheck} (it fails the extension injector: the server binds that set already). A
 * composite is one such line whose parts the extension's modules register, where their classes are bound.</p>
 */
public abstract class CompositeHealthCheck implements HealthCheck {
    private final ComponentName componentName;
    private final List<HealthCheck> parts;

    protected CompositeHealthCheck(ComponentName componentName, Set<HealthCheck> parts) {
        this.componentName = componentName;
        this.parts = ImmutableList.copyOf(parts);
    }

    @Override
    public ComponentName componentName() {
        return componentName;
    }

    @Override
    public Publisher<Result> check() {
        return Flux.fromIterable(parts)
            .concatMap(part -> Mono.from(part.check())
                .onErrorResume(error -> Mono.just(Result.unhealthy(part.componentName(), "check failed", error))))
            .collectList()
            .map(this::combine);
    }

    private Result combine(List<Result> results) {
        ResultStatus status = results.stream().map(Result::getStatus).reduce(ResultStatus::merge).orElse(ResultStatus.HEALTHY);
        String cause = results.stream()
            .filter(result -> !result.isHealthy())
            .map(result -> result.getComponentName().getName() + ": " + result.getCause().orElse(result.getStatus().getValue()))
            .collect(Collectors.joining("; "));
        Optional<Throwable> error = results.stream().flatMap(result -> result.getError().stream()).findFirst();
        switch (status) {
            case UNHEALTHY:
                return error.map(failure -> Result.unhealthy(componentName, cause, failure))
                    .orElseGet(() -> Result.unhealthy(componentName, cause));
            case DEGRADED:
                return Result.degraded(componentName, cause);
            default:
                return Result.healthy(componentName);
        }
    }
}
