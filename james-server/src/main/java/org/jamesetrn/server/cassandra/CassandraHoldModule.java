package org.jamesetrn.server.cassandra;

import java.util.Set;

import javax.inject.Named;
import javax.inject.Singleton;

import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.backends.cassandra.components.CassandraModule;
import org.apache.james.backends.cassandra.init.SessionWithInitializedTablesFactory;
import org.apache.james.backends.cassandra.init.configuration.CassandraConfiguration;
import org.apache.james.backends.cassandra.utils.CassandraHealthCheck;
import org.apache.james.backends.cassandra.versions.CassandraSchemaVersionModule;
import org.apache.james.blob.api.BlobId;
import org.apache.james.blob.api.BlobStore;
import org.apache.james.blob.api.BucketName;
import org.apache.james.blob.cassandra.CassandraBlobModule;
import org.apache.james.blob.cassandra.CassandraBlobStoreDAO;
import org.apache.james.blob.cassandra.CassandraBucketDAO;
import org.apache.james.blob.cassandra.CassandraDefaultBucketDAO;
import org.apache.james.blob.mail.MimeMessageStore;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.mailrepository.api.MailRepositoryUrlStore;
import org.apache.james.mailrepository.cassandra.CassandraMailRepositoryKeysDAO;
import org.apache.james.mailrepository.cassandra.CassandraMailRepositoryMailDaoV2;
import org.apache.james.mailrepository.cassandra.CassandraMailRepositoryModule;
import org.apache.james.mailrepository.cassandra.CassandraMailRepositoryUrlModule;
import org.apache.james.mailrepository.cassandra.CassandraMailRepositoryUrlStore;
import org.apache.james.mailrepository.cassandra.UrlsDao;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.server.blob.deduplication.PassThroughBlobStore;
import org.apache.james.utils.PropertiesProvider;

import com.datastax.oss.driver.api.core.CqlSession;
import com.google.inject.AbstractModule;
import com.google.inject.Module;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import com.google.inject.multibindings.Multibinder;

/**
 * James's Cassandra mail repository ({@code cassandra://} URLs, mailrepositorystore.xml) on the memory server: the
 * Cassandra session of conf/cassandra.properties with James's schema (mail repository, repository URLs, blobs, schema
 * version), the repository's DAOs, and the Cassandra blob store that keeps the mails' contents. The wiring of James's
 * unpublished Guice modules for these published classes (CassandraSessionModule, CassandraMailRepositoryModule),
 * reduced to what a mail repository needs.
 *
 * <p>Blobs go through the pass-through strategy (a fresh id per saved blob, deleted with its mail): the memory server's
 * own blob store (mailboxes) stays in memory, and two held copies of one message never share a blob that the
 * removal of one would delete.</p>
 *
 * <p>{@link #URL_STORE} must override the memory server's repository URL store, so that every server of the cluster
 * sees every repository, a held domain first written through another server included.</p>
 */
public class CassandraHoldModule extends AbstractModule {
    /** The blob store of mail contents in Cassandra. */
    public static final String CONTENTS = "cassandra-mail-contents";

    /** The tables of the hold this server creates (if missing) at start-up; other modules add theirs to the set. */
    static final CassandraModule SCHEMA = CassandraModule.aggregateModules(
        CassandraSchemaVersionModule.MODULE,
        CassandraMailRepositoryModule.MODULE,
        CassandraMailRepositoryUrlModule.MODULE,
        CassandraBlobModule.MODULE);

    /** Overrides the memory server's binding: repository URLs are kept in Cassandra, shared by the cluster. */
    public static final Module URL_STORE = binder -> binder.bind(MailRepositoryUrlStore.class)
        .to(CassandraMailRepositoryUrlStore.class);

    @Override
    protected void configure() {
        bind(CqlSession.class).toProvider(SessionWithInitializedTablesFactory.class);

        bind(UrlsDao.class).in(Scopes.SINGLETON);
        bind(CassandraMailRepositoryUrlStore.class).in(Scopes.SINGLETON);
        bind(CassandraMailRepositoryKeysDAO.class).in(Scopes.SINGLETON);
        bind(CassandraMailRepositoryMailDaoV2.class).in(Scopes.SINGLETON);

        Multibinder.newSetBinder(binder(), HealthCheck.class).addBinding().to(CassandraHealthCheck.class);
        Multibinder.newSetBinder(binder(), CassandraModule.class).addBinding().toInstance(SCHEMA);
    }

    @Provides
    @Singleton
    CassandraSettings settings(PropertiesProvider propertiesProvider) throws ConfigurationException {
        return CassandraSettings.load(propertiesProvider);
    }

    /** James's Cassandra options, for the mail repository's DAOs (mailrepository.strong.consistency) and blobs. */
    @Provides
    @Singleton
    CassandraConfiguration cassandra(CassandraSettings settings) {
        return settings.cassandra();
    }

    /**
     * Connects (retrying as cassandra.retryConnection.* says), creates the keyspace and the missing tables: the hold's
     * and those of the other modules bound into the set of {@link CassandraModule} (the mail queues' view).
     */
    @Provides
    @Singleton
    SessionWithInitializedTablesFactory session(CassandraSettings settings, Set<CassandraModule> tables) {
        return CassandraConnection.openWithTables(settings.cluster(), settings.keyspace(),
            CassandraModule.aggregateModules(tables));
    }

    /**
     * Where mail contents go: Cassandra's blob tables, pass-through (a fresh id per saved blob, deleted with its mail).
     * Named: the memory server's own blob store (mailboxes) stays in memory.
     */
    @Provides
    @Singleton
    @Named(CONTENTS)
    BlobStore contents(CqlSession session, BlobId.Factory blobIds, CassandraConfiguration configuration,
                       MetricFactory metricFactory) {
        CassandraBlobStoreDAO blobs = new CassandraBlobStoreDAO(new CassandraDefaultBucketDAO(session, blobIds),
            new CassandraBucketDAO(blobIds, session), configuration, BucketName.DEFAULT, metricFactory);
        return new PassThroughBlobStore(blobs, BucketName.DEFAULT, blobIds);
    }

    /** What the Cassandra mail repository (and the mail queues) store a mail's header and body with. */
    @Provides
    @Singleton
    MimeMessageStore.Factory mailContents(@Named(CONTENTS) BlobStore contents) {
        return new MimeMessageStore.Factory(contents);
    }
}
