package org.jamesetrn.server.cassandra;

import java.io.FileNotFoundException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
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

import com.google.common.collect.ImmutableMap;
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
    static final String KEYSPACE = "cassandra.keyspace";
    static final String REPLICATION_FACTOR = "cassandra.replication.factor";
    /** Our defaults; James's readers have their own for the other keys. */
    static final Map<String, Object> DEFAULTS = ImmutableMap.of(NODES, "127.0.0.1:9042", KEYSPACE, "apache_james",
        REPLICATION_FACTOR, 1);

    /**
     * The keys this server reads (conf/cluster/cassandra.properties documents each): ours above, and those
     * {@link ClusterConfiguration#from} (local DC, credentials, connection retries) and {@link CassandraConfiguration#from}
     * (the mail repository's consistency, the blob part size) read for us.
     */
    private static final Set<String> KEYS = ImmutableSet.of(NODES, KEYSPACE, REPLICATION_FACTOR,
        "cassandra.local.dc", "cassandra.user", "cassandra.password", "cassandra.retryConnection.maxRetries",
        "cassandra.retryConnection.minDelay", "mailrepository.strong.consistency", "mailbox.blob.part.size");
    private static final Logger LOGGER = LoggerFactory.getLogger(CassandraSettings.class);

    /** The file's keys this server reads, over the defaults; checked when read. */
    private final PropertiesConfiguration configuration;
    private final ClusterConfiguration cluster;

    private CassandraSettings(PropertiesConfiguration configuration) throws ConfigurationException {
        this.configuration = configuration;
        int replicationFactor = configuration.getInt(REPLICATION_FACTOR);
        if (replicationFactor < 1) {
            throw new ConfigurationException(REPLICATION_FACTOR + " must be at least 1, not " + replicationFactor);
        }
        this.cluster = ClusterConfiguration.from(configuration);
        if (cluster.getHosts().isEmpty()) {
            throw new ConfigurationException(NODES + " lists no Cassandra node (host:port, comma separated)");
        }
        if (cluster.getUsername().isPresent() != cluster.getPassword().isPresent()) {
            throw new ConfigurationException("cassandra.user and cassandra.password go together");
        }
        CassandraConfiguration.from(configuration);
    }

    /** Reads conf/cassandra.properties; without the file, every default (Cassandra on 127.0.0.1:9042). */
    public static CassandraSettings load(PropertiesProvider provider) throws ConfigurationException {
        try {
            return from(provider.getConfiguration(FILE));
        } catch (FileNotFoundException e) {
            LOGGER.warn("No conf/cassandra.properties: Cassandra at {}, keyspace {}", DEFAULTS.get(NODES), DEFAULTS.get(KEYSPACE));
            return from(new PropertiesConfiguration());
        }
    }

    static CassandraSettings from(Configuration file) throws ConfigurationException {
        PropertiesConfiguration configuration = new PropertiesConfiguration();
        configuration.setListDelimiterHandler(new DefaultListDelimiterHandler(','));
        DEFAULTS.forEach(configuration::setProperty);
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
            return new CassandraSettings(configuration);
        } catch (RuntimeException e) {
            throw new ConfigurationException("cassandra.properties: " + e.getMessage(), e);
        }
    }

    public ClusterConfiguration cluster() {
        return cluster;
    }

    public KeyspaceConfiguration keyspace() {
        return new KeyspaceConfiguration(configuration.getString(KEYSPACE), configuration.getInt(REPLICATION_FACTOR), true);
    }

    /** James's Cassandra options; those the hold's repository reads: mailrepository.strong.consistency, mailbox.blob.part.size. */
    public CassandraConfiguration cassandra() {
        return CassandraConfiguration.from(configuration);
    }
}
