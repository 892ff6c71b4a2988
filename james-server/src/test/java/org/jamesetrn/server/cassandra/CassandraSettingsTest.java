package org.jamesetrn.server.cassandra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;

import org.apache.commons.configuration2.PropertiesConfiguration;
import org.apache.commons.configuration2.convert.DefaultListDelimiterHandler;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.util.Host;
import org.junit.jupiter.api.Test;

class CassandraSettingsTest {
    /** A properties file as James's PropertiesProvider reads it (comma-separated lists). */
    private static PropertiesConfiguration file(String content) throws Exception {
        PropertiesConfiguration configuration = new PropertiesConfiguration();
        configuration.setListDelimiterHandler(new DefaultListDelimiterHandler(','));
        configuration.read(new StringReader(content));
        return configuration;
    }

    @Test
    void everyDefaultWithoutAFile() throws Exception {
        CassandraSettings settings = CassandraSettings.from(new PropertiesConfiguration());

        assertThat(settings.cluster().getHosts()).containsExactly(Host.from("127.0.0.1", 9042));
        assertThat(settings.cluster().getLocalDC()).isEmpty();
        assertThat(settings.cluster().getMaxRetry()).isEqualTo(10);
        assertThat(settings.cluster().getMinDelay()).isEqualTo(5000);
        assertThat(settings.keyspace().getKeyspace()).isEqualTo("apache_james");
        assertThat(settings.keyspace().getReplicationFactor()).isEqualTo(1);
        assertThat(settings.cassandra().isMailRepositoryStrongConsistency()).isTrue();
        assertThat(settings.cassandra().getBlobPartSize()).isEqualTo(102400);
    }

    @Test
    void theShippedKeysAreRead() throws Exception {
        CassandraSettings settings = CassandraSettings.from(file(""
            + "cassandra.nodes=10.0.0.1:9142, 10.0.0.2\n"
            + "cassandra.keyspace=etrn\n"
            + "cassandra.replication.factor=3\n"
            + "cassandra.local.dc=dc2\n"
            + "cassandra.user=james\n"
            + "cassandra.password=secret\n"
            + "cassandra.retryConnection.maxRetries=2\n"
            + "cassandra.retryConnection.minDelay=100\n"
            + "mailrepository.strong.consistency=false\n"
            + "mailbox.blob.part.size=4096\n"));

        assertThat(settings.cluster().getHosts()).containsExactly(Host.from("10.0.0.1", 9142), Host.from("10.0.0.2", 9042));
        assertThat(settings.cluster().getLocalDC()).contains("dc2");
        assertThat(settings.cluster().getUsername()).contains("james");
        assertThat(settings.cluster().getPassword()).contains("secret");
        assertThat(settings.cluster().getMaxRetry()).isEqualTo(2);
        assertThat(settings.cluster().getMinDelay()).isEqualTo(100);
        assertThat(settings.keyspace().getKeyspace()).isEqualTo("etrn");
        assertThat(settings.keyspace().getReplicationFactor()).isEqualTo(3);
        assertThat(settings.cassandra().isMailRepositoryStrongConsistency()).isFalse();
        assertThat(settings.cassandra().getBlobPartSize()).isEqualTo(4096);
    }

    @Test
    void keysOfJamesDistributedServerThatThisServerDoesNotUseAreIgnored() throws Exception {
        CassandraSettings settings = CassandraSettings.from(file("cassandra.nodes=db:9042\nmailbox.max.retry.acl=5\n"));

        assertThat(settings.cluster().getHosts()).containsExactly(Host.from("db", 9042));
        assertThat(settings.cassandra().getAclMaxRetry()).isEqualTo(1000);
    }

    @Test
    void aBadValueStopsTheServerWithAMessageNamingTheKey() {
        assertThatThrownBy(() -> CassandraSettings.from(file("cassandra.replication.factor=0\n")))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("cassandra.replication.factor");
        assertThatThrownBy(() -> CassandraSettings.from(file("cassandra.replication.factor=three\n")))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("cassandra.properties");
        assertThatThrownBy(() -> CassandraSettings.from(file("cassandra.nodes=\n")))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("cassandra.nodes");
        assertThatThrownBy(() -> CassandraSettings.from(file("cassandra.user=james\n")))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("password");
    }
}
