package org.jamesetrn.health;

import java.util.Set;

import javax.inject.Inject;
import javax.inject.Named;

import org.apache.james.core.healthcheck.ComponentName;
import org.apache.james.core.healthcheck.HealthCheck;

import com.google.inject.Binder;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.name.Names;

/**
 * The hold's component of James's {@code /healthcheck} ({@value #NAME}): the checks of the hold's stores and claims,
 * as the extension's modules register them with {@link #parts(Binder)} (in {@code EtrnModule} for the stores and the
 * memory claims, in {@code EtrnClusterModule} for the claims in Cassandra). Listed in {@code additional.healthchecks}
 * of conf/healthcheck.properties. With no part registered, it is healthy.
 */
public class HoldHealthCheck extends CompositeHealthCheck {
    public static final String NAME = "ETRN hold";
    /** The name of the set the parts are bound into. */
    public static final String PARTS = "etrn-hold-health-checks";

    /**
     * The set a module adds a check of the hold to: {@code HoldHealthCheck.parts(binder()).addBinding().to(...)}.
     * Each part is its own {@link HealthCheck}, its component name the part's name in the cause.
     */
    public static Multibinder<HealthCheck> parts(Binder binder) {
        return Multibinder.newSetBinder(binder, HealthCheck.class, Names.named(PARTS));
    }

    @Inject
    public HoldHealthCheck(@Named(PARTS) Set<HealthCheck> parts) {
        super(new ComponentName(NAME), parts);
    }
}
