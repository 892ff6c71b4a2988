package org.jamesetrn.e2e;

import java.util.Arrays;

import org.jamesetrn.kit.CassandraNode;
import org.jamesetrn.kit.Repository;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Cassandra node and one {@link Cluster} for the whole test run, in JUnit's root store: Cassandra is started once
 * (by the repository's cassandra/cassandra.sh, on free ports and a fresh folder under integration-tests/target) by the
 * first test that needs it, and stopped when the run ends. Before each test the cluster is reset. Inject
 * {@link Cluster} (the servers, the MX) or {@link CassandraNode} (Cassandra alone) as test method or constructor
 * parameters.
 */
public final class ClusterExtension implements BeforeEachCallback, ParameterResolver {
    private static final Logger LOGGER = LoggerFactory.getLogger(ClusterExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ClusterExtension.class);

    /** The node, as a root-store resource: stopped (SIGTERM) when the run ends. */
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

    private static Cluster cluster(ExtensionContext context) {
        CassandraNode cassandra = cassandra(context);
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Cluster.class, key -> {
            try {
                return Cluster.start(cassandra);
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the cluster's James servers", e);
            }
        }, Cluster.class);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (needsCluster(context)) {
            cluster(context).reset();
        } else if (!cassandra(context).isAlive()) {
            cassandra(context).start();
        }
    }

    private static boolean needsCluster(ExtensionContext context) {
        return Arrays.asList(context.getRequiredTestMethod().getParameterTypes()).contains(Cluster.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == Cluster.class || type == CassandraNode.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Cluster.class ? cluster(context) : cassandra(context);
    }
}
