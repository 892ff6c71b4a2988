package org.jamesetrn.server;

import java.util.List;

import org.apache.james.mailetcontainer.impl.JamesMailetContext;
import org.apache.james.utils.InitializationOperation;
import org.apache.james.utils.InitilizationOperationBuilder;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;
import com.google.inject.multibindings.ProvidesIntoSet;

/** The one {@link DequeueGate} of a server with persistent queues, opened once James's mailet context is configured. */
public class DequeueGateModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(DequeueGate.class).in(Scopes.SINGLETON);
    }

    @ProvidesIntoSet
    InitializationOperation openDequeue(DequeueGate gate) {
        return InitilizationOperationBuilder
            .forClass(DequeueGate.class)
            .init(gate::open)
            .requires(List.of(JamesMailetContext.class));
    }
}
