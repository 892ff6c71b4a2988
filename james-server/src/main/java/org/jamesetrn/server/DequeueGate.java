package org.jamesetrn.server;

import org.apache.james.lifecycle.api.Startable;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Holds the queues' dequeue loops until James's mailet context is configured.
 *
 * <p>Why: James 3.8.1 starts RemoteDelivery's dequeue when the mailet is initialised, and configures the mailet
 * context (which creates its root queue, the spool) in another initialisation step whose order is not fixed. With a
 * persistent queue, mail that is due when James starts (released before a crash, or redelivered after one) is
 * delivered at once; RemoteDelivery's {@code onSuccess} then sends it to a processor through the context, whose
 * root queue is still null: the NullPointerException makes RemoteDelivery roll the delivered mail back, and it is
 * delivered again (docs/activemq.md, "Dequeue starts once the mailet context is ready"). James's memory queue never
 * has mail at start-up. Opened by an initialisation step that requires the mailet context ({@link DequeueGateModule}).
 * The same holds for every persistent queue: the ActiveMQ queues of {@link EmbeddedActiveMQModule} and the cluster's
 * RabbitMQ queues wait for it.</p>
 */
public class DequeueGate implements Startable {
    private final Sinks.Empty<Void> open = Sinks.empty();

    /** Completes once James's mailet context is configured. */
    public Mono<Void> opened() {
        return open.asMono();
    }

    void open() {
        open.tryEmitEmpty();
    }
}
