package org.jamesetrn.release.queue;

import java.util.Optional;

import org.jamesetrn.release.ReleaseConfiguration;

import com.google.inject.Binding;
import com.google.inject.Injector;
import com.google.inject.Key;

/**
 * Finds the JMS broker James uses, through James's own Guice bindings: the {@code javax.jms.ConnectionFactory} its
 * ActiveMQ queue module binds (JPA, Cassandra and this project's ActiveMQ server). The extension's module lives in
 * James's extension child injector, which sees the server's bindings; on a server without a JMS queue (memory,
 * RabbitMQ) neither the binding nor, possibly, the javax.jms classes exist, and nothing JMS-specific is loaded.
 */
public final class JmsBackends {
    static final String CONNECTION_FACTORY = "javax.jms.ConnectionFactory";

    private JmsBackends() {
    }

    /** The broker behind the ConnectionFactory James binds, if it binds one. */
    public static Optional<JmsBackend> lookup(Injector injector, ReleaseConfiguration configuration) {
        Class<?> connectionFactory;
        try {
            connectionFactory = Class.forName(CONNECTION_FACTORY, false, JmsBackends.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return Optional.empty();
        }
        Binding<?> binding = injector.getExistingBinding(Key.get(connectionFactory));
        if (binding == null) {
            return Optional.empty();
        }
        // Only now is a class touching javax.jms and ActiveMQ loaded.
        return Optional.of(ActiveMQBackend.of(binding.getProvider().get(), configuration.activeMQPageSize()));
    }
}
