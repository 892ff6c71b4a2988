package org.jamesetrn.e2e;

import java.util.Arrays;

import org.jamesetrn.kit.CassandraNode;
import org.jamesetrn.kit.RabbitMQNode;
import org.jamesetrn.kit.Repository;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Cassandra node, one RabbitMQ node and one {@link Cluster} for the whole test run, in JUnit's root store:
 * Cassandra and RabbitMQ are started once (by the repository's cassandra/cassandra.sh and rabbitmq/rabbitmq.sh, on
 * free ports and fresh folders under integration-tests/target) by the first test that needs them, and stopped when
 * the run ends. Before each test the cluster is reset. Inject {@link Cluster} (the servers, the MX),
 * {@link CassandraNode} (Cassandra alone) or {@link RabbitMQNode} as test method or constructor parameters.
 */
public final class ClusterExtension implements BeforeEachCallback, ParameterResolver {
    private static final Logger LOGGER = LoggerFactory.getLogger(ClusterExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ClusterExtension.class);

    /** The Cassandra node, as a root-store resource: stopped (SIGTERM) when the run ends. */
    private static final class Node implements ExtensionContext.Store.CloseableResource {
        final CassandraNode cassandra;

        Node(CassandraNode cassandra) {
            this.cassandra = cassandra;
        }

        @Override
        public void close() throws Exception {
            cassandra.close();
        }
    }

    static CassandraNode cassandra(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Node.class, key -> {
            try {
                Repository repository = Repository.underTest();
                CassandraNode cassandra = CassandraNode.start(repository,
                    repository.root().resolve("integration-tests/target/cassandra-node"));
                LOGGER.info("Cassandra 5.0 started in {} ms (CQL on 127.0.0.1:{}, log {})",
                    cassandra.lastStart().toMillis(), cassandra.cqlPort(), cassandra.log());
                return new Node(cassandra);
            } catch (Exception e) {
                throw new IllegalStateException("cannot start Cassandra (build the reactor first: mvn verify)", e);
            }
        }, Node.class).cassandra;
    }

    /** The RabbitMQ node, as a root-store resource: stopped (SIGTERM) when the run ends. */
    private static final class Broker implements ExtensionContext.Store.CloseableResource {
        final RabbitMQNode rabbitMQ;

        Broker(RabbitMQNode rabbitMQ) {
            this.rabbitMQ = rabbitMQ;
        }

        @Override
        public void close() throws Exception {
            rabbitMQ.close();
        }
    }

    static RabbitMQNode rabbitMQ(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Broker.class, key -> {
            try {
                Repository repository = Repository.underTest();
                RabbitMQNode rabbitMQ = RabbitMQNode.start(repository,
                    repository.root().resolve("integration-tests/target/rabbitmq-node"));
                LOGGER.info("RabbitMQ started in {} ms (AMQP on 127.0.0.1:{}, management on {}, log {})",
                    rabbitMQ.lastStart().toMillis(), rabbitMQ.port(), rabbitMQ.managementPort(), rabbitMQ.log());
                return new Broker(rabbitMQ);
            } catch (Exception e) {
                throw new IllegalStateException("cannot start RabbitMQ (install it: rabbitmq/install-rabbitmq.sh)", e);
            }
        }, Broker.class).rabbitMQ;
    }

    private static Cluster cluster(ExtensionContext context) {
        CassandraNode cassandra = cassandra(context);
        RabbitMQNode rabbitMQ = rabbitMQ(context);
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Cluster.class, key -> {
            try {
                return Cluster.start(cassandra, rabbitMQ);
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the cluster's James servers", e);
            }
        }, Cluster.class);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (needsCluster(context)) {
            cluster(context).reset();
        } else {
            if (!cassandra(context).isAlive()) {
                cassandra(context).start();
            }
            if (needs(context, RabbitMQNode.class) && !rabbitMQ(context).isAlive()) {
                rabbitMQ(context).start();
            }
        }
    }

    private static boolean needsCluster(ExtensionContext context) {
        return needs(context, Cluster.class);
    }

    private static boolean needs(ExtensionContext context, Class<?> type) {
        return Arrays.asList(context.getRequiredTestMethod().getParameterTypes()).contains(type);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == Cluster.class || type == CassandraNode.class || type == RabbitMQNode.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (type == Cluster.class) {
            return cluster(context);
        }
        return type == RabbitMQNode.class ? rabbitMQ(context) : cassandra(context);
    }
}
