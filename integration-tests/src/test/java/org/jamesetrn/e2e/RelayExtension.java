package org.jamesetrn.e2e;

import org.jamesetrn.kit.CustomerMx;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One relay and one customer MX for the whole test run (James boots in seconds; the scenarios only need a clean
 * state): before each test the MX is down and has seen nothing, and both RemoteDelivery queues are empty.
 * Inject {@link EtrnRelay} and {@link CustomerMx} as test method or constructor parameters.
 */
public final class RelayExtension implements BeforeEachCallback, ParameterResolver {
    private static RelayAndMx shared(ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.create(RelayExtension.class))
            .getOrComputeIfAbsent(RelayAndMx.class, key -> {
                try {
                    return RelayAndMx.start(EtrnRelay.HANDLER_OPTIONS);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot start James with the ETRN extension", e);
                }
            }, RelayAndMx.class);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        shared(context).reset();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == EtrnRelay.class || type == CustomerMx.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        RelayAndMx shared = shared(context);
        return parameter.getParameter().getType() == EtrnRelay.class ? shared.relay : shared.mx;
    }
}
