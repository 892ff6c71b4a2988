package org.jamesetrn.server.cassandra;

import java.io.FileNotFoundException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.PropertiesConfiguration;
import org.apache.commons.configuration2.convert.DefaultListDelimiterHandler;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.backends.cassandra.init.configuration.CassandraConfiguration;
import org.apache.james.backends.cassandra.init.configuration.ClusterConfiguration;
import org.apache.james.backends.cassandra.init.configuration.KeyspaceConfiguration;
import org.apache.james.utils.PropertiesProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.collect.ImmutableSet;

/**
 * The cluster server's conf/cassandra.properties (shipped in conf/cluster/, every key commented there): where
 * Cassandra is, the keyspace, and the options of James's Cassandra mail repository. The keys are those of James's
 * distributed server, so that the file carries over; James's own readers ({@link ClusterConfiguration#from},
 * {@link CassandraConfiguration#from}) parse them. Keys this server does not use are logged once and ignored.
 */
public final class CassandraSettings {
    static final String FILE = "cassandra";
    static final String NODES = "cassandra.nodes";
    static final String LOCAL_DC = "cassandra.local.dc";
    static final String USER = "cassandra.user";
    static final String PASSWORD = "cassandra.password";
    static final String KEYSPACE = "cassandra.keyspace";
    static final String REPLICATION_FACTOR = "cassandra.replication.factor";
    static final String MAX_RETRIES = "cassandra.retryConnection.maxRetries";
    static final String MIN_DELAY = "cassandra.retryConnection.minDelay";
    static final String STRONG_CONSISTENCY = "mailrepository.strong.consistency";
    static final String BLOB_PART_SIZE = "mailbox.blob.part.size";

    static final String DEFAULT_NODES = "127.0.0.1:9042";
    static final String DEFAULT_KEYSPACE = "apache_james";
    static final int DEFAULT_REPLICATION_FACTOR = 1;

    private static final Set<String> KEYS = ImmutableSet.of(NODES, LOCAL_DC, USER, PASSWORD, KEYSPACE,
        REPLICATION_FACTOR, MAX_RETRIES, MIN_DELAY, STRONG_CONSISTENCY, BLOB_PART_SIZE);
    private static final Logger LOGGER = LoggerFactory.getLogger(CassandraSettings.class);

    private final ClusterConfiguration cluster;
    private final KeyspaceConfiguration keyspace;
    private final CassandraConfiguration cassandra;

    private CassandraSettings(ClusterConfiguration cluster, KeyspaceConfiguration keyspace, CassandraConfiguration cassandra) {
        this.cluster = cluster;
        this.keyspace = keyspace;
        this.cassandra = cassandra;
    }

    /** Reads conf/cassandra.properties; without the file, every default (Cassandra on 127.0.0.1:9042). */
    public static CassandraSettings load(PropertiesProvider provider) throws ConfigurationException {
        try {
            return from(provider.getConfiguration(FILE));
        } catch (FileNotFoundException e) {
            LOGGER.warn("No conf/cassandra.properties: Cassandra at {}, keyspace {}", DEFAULT_NODES, DEFAULT_KEYSPACE);
            return from(new PropertiesConfiguration());
        }
    }

    static CassandraSettings from(Configuration file) throws ConfigurationException {
        PropertiesConfiguration configuration = new PropertiesConfiguration();
        configuration.setListDelimiterHandler(new DefaultListDelimiterHandler(','));
        configuration.setProperty(NODES, DEFAULT_NODES);
        List<String> ignored = new ArrayList<>();
        for (Iterator<String> keys = file.getKeys(); keys.hasNext(); ) {
            String key = keys.next();
            if (KEYS.contains(key)) {
                configuration.setProperty(key, file.getProperty(key));
            } else {
                ignored.add(key);
            }
        }
        if (!ignored.isEmpty()) {
            LOGGER.warn("cassandra.properties: {} not used by this server, ignored", ignored);
        }
        try {
            int replicationFactor = configuration.getInt(REPLICATION_FACTOR, DEFAULT_REPLICATION_FACTOR);
            if (replicationFactor < 1) {
                throw new ConfigurationException(REPLICATION_FACTOR + " must be at least 1, not " + replicationFactor);
            }
            ClusterConfiguration cluster = ClusterConfiguration.from(configuration);
            if (cluster.getHosts().isEmpty()) {
                throw new ConfigurationException(NODES + " lists no Cassandra node (host:port, comma separated)");
            }
            return new CassandraSettings(cluster,
                new KeyspaceConfiguration(configuration.getString(KEYSPACE, DEFAULT_KEYSPACE), replicationFactor, true),
                CassandraConfiguration.from(configuration));
        } catch (RuntimeException e) {
            throw new ConfigurationException("cassandra.properties: " + e.getMessage(), e);
        }
    }

    public ClusterConfiguration cluster() {
        return cluster;
    }

    public KeyspaceConfiguration keyspace() {
        return keyspace;
    }

    /** James's Cassandra options; those the hold's repository reads: mailrepository.strong.consistency, mailbox.blob.part.size. */
    public CassandraConfiguration cassandra() {
        return cassandra;
    }
}
