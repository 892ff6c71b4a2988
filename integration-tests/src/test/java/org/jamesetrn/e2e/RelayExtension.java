package org.jamesetrn.e2e;

import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.Ports;
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
    /** Domains whose MX is the customer MX (customer.test itself goes through the configured gateway). */
    static final String[] MX_DOMAINS = {"sub.customer.test", "other.test", "unlisted.test", "guarded.test", "sender.test"};

    private static final class Shared implements ExtensionContext.Store.CloseableResource {
        final CustomerMx mx;
        final EtrnRelay relay;

        Shared() throws Exception {
            int mxPort = Ports.free();
            TestDns dns = new TestDns();
            for (String domain : MX_DOMAINS) {
                dns.mx(domain, mxPort);
            }
            this.mx = new CustomerMx(mxPort);
            this.relay = EtrnRelay.start(dns, mxPort);
        }

        @Override
        public void close() throws Exception {
            mx.stop();
            relay.close();
        }
    }

    private static Shared shared(ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.create(RelayExtension.class))
            .getOrComputeIfAbsent(Shared.class, key -> {
                try {
                    return new Shared();
                } catch (Exception e) {
                    throw new IllegalStateException("cannot start James with the ETRN extension", e);
                }
            }, Shared.class);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Shared shared = shared(context);
        shared.mx.stop();
        shared.mx.forget();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            shared.relay.clearQueues();
            return shared.relay.queues().size(EtrnRelay.SMARTHOST_QUEUE) == 0
                && shared.relay.queues().size(EtrnRelay.DNS_QUEUE) == 0;
        });
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == EtrnRelay.class || type == CustomerMx.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Shared shared = shared(context);
        return parameter.getParameter().getType() == EtrnRelay.class ? shared.relay : shared.mx;
    }
}
