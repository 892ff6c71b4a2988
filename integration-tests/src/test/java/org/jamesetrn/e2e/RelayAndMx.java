package org.jamesetrn.e2e;

import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.TestDns;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A relay and the customer MX it delivers to: the MX's port is the MX record of every test domain and the port of
 * the smarthost gateway (customer.test). The MX is down until a test starts it. Closeable as a JUnit store resource,
 * so that {@link RelayExtension} keeps one for the whole run.
 */
final class RelayAndMx implements AutoCloseable, ExtensionContext.Store.CloseableResource {
    /** Domains whose MX is the customer MX (customer.test itself goes through the configured gateway). */
    static final String[] MX_DOMAINS = {"sub.customer.test", "other.test", "unlisted.test", "guarded.test", "sender.test",
        "parked.test"};

    final CustomerMx mx;
    final EtrnRelay relay;

    private RelayAndMx(CustomerMx mx, EtrnRelay relay) {
        this.mx = mx;
        this.relay = relay;
    }

    /** A relay whose ETRN handler has these options (see {@link EtrnRelay#start(TestDns, int, String)}). */
    static RelayAndMx start(String handlerOptions) throws Exception {
        int mxPort = Ports.free();
        TestDns dns = new TestDns();
        for (String domain : MX_DOMAINS) {
            dns.mx(domain, mxPort);
        }
        // The MX listens while the relay picks free ports, so that none of them is the MX's; then it is down.
        CustomerMx mx = new CustomerMx(mxPort).start();
        try {
            return new RelayAndMx(mx, EtrnRelay.start(dns, mxPort, handlerOptions));
        } finally {
            mx.stop();
        }
    }

    /** A clean state for the next test: the MX is down and has seen nothing, the queues and the hold are empty. */
    void reset() {
        mx.stop();
        mx.reset();
        mx.forget();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            relay.clear();
            return Mails.queued(relay) == 0 && relay.holds().heldCount() == 0;
        });
    }

    @Override
    public void close() throws Exception {
        mx.close();
        relay.close();
    }
}
