package org.jamesetrn.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.function.Function;

import org.apache.james.core.healthcheck.ComponentName;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.core.healthcheck.Result;
import org.apache.james.core.healthcheck.ResultStatus;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;

import com.google.common.collect.ImmutableSet;

import reactor.core.publisher.Mono;

/** The hold's component: the worst of its parts, each part that is not healthy named in the cause. */
class HoldHealthCheckTest {
    private static HealthCheck part(String name, Function<ComponentName, Result> result) {
        return new FixedHealthCheck(name, result);
    }

    private static Result check(Set<HealthCheck> parts) {
        return Mono.from(new HoldHealthCheck(parts).check()).block();
    }

    @Test
    void healthyWithoutParts() {
        Result result = check(ImmutableSet.of());

        assertThat(result.isHealthy()).isTrue();
        assertThat(result.getComponentName().getName()).isEqualTo("ETRN hold");
    }

    @Test
    void healthyWhenEveryPartIs() {
        assertThat(check(ImmutableSet.of(part("hold store", Result::healthy), part("claims", Result::healthy))).isHealthy())
            .isTrue();
    }

    @Test
    void theWorstPartDecidesAndTheCauseNamesEachPartThatIsNotHealthy() {
        IllegalStateException down = new IllegalStateException("connection refused");
        Result result = check(ImmutableSet.of(
            part("hold store", component -> Result.unhealthy(component, "cannot write", down)),
            part("claims", component -> Result.degraded(component, "slow")),
            part("retention", Result::healthy)));

        assertThat(result.getStatus()).isEqualTo(ResultStatus.UNHEALTHY);
        assertThat(result.getCause()).contains("hold store: cannot write; claims: slow");
        assertThat(result.getError()).contains(down);
    }

    @Test
    void aPartWhoseCheckFailsIsUnhealthy() {
        HealthCheck broken = new HealthCheck() {
            @Override
            public ComponentName componentName() {
                return new ComponentName("claims");
            }

            @Override
            public Publisher<Result> check() {
                return Mono.error(new IllegalStateException("no session"));
            }
        };

        Result result = check(ImmutableSet.of(broken, part("hold store", component -> Result.degraded(component, "slow"))));

        assertThat(result.getStatus()).isEqualTo(ResultStatus.UNHEALTHY);
        assertThat(result.getCause()).hasValueSatisfying(cause -> assertThat(cause).contains("claims: check failed", "hold store: slow"));
    }
}
