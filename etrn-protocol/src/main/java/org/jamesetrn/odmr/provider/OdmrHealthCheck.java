package org.jamesetrn.odmr.provider;

import javax.inject.Inject;

import org.apache.james.core.healthcheck.ComponentName;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.core.healthcheck.Result;
import org.reactivestreams.Publisher;

import reactor.core.publisher.Mono;

/**
 * The ODMR listener's component of James's {@code /healthcheck} ({@value #NAME}): healthy while it listens (or when
 * odmr.properties disables it), unhealthy when it should listen and does not (it could not bind, or stopped).
 */
public class OdmrHealthCheck implements HealthCheck {
    public static final String NAME = "ETRN ODMR listener";
    private static final ComponentName COMPONENT = new ComponentName(NAME);

    private final OdmrListener listener;
    private final OdmrSettings settings;

    @Inject
    public OdmrHealthCheck(OdmrListener listener, OdmrSettings settings) {
        this.listener = listener;
        this.settings = settings;
    }

    @Override
    public ComponentName componentName() {
        return COMPONENT;
    }

    @Override
    public Publisher<Result> check() {
        if (!settings.enabled()) {
            return Mono.just(Result.healthy(COMPONENT));
        }
        return Mono.just(listener.address()
            .map(address -> Result.healthy(COMPONENT))
            .orElseGet(() -> Result.unhealthy(COMPONENT, "not listening on " + settings.bind())));
    }
}
