package org.jamesetrn.cluster;

import org.jamesetrn.hold.ReleaseClaims;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;
import com.google.inject.multibindings.OptionalBinder;

/**
 * The ETRN hold shared by several James servers on one Cassandra (docs/cluster.md): listed after
 * {@code org.jamesetrn.module.EtrnModule} in {@code guice.extension.module} of conf/extensions.properties, it replaces
 * each server's own claims on held mail ({@code MemoryReleaseClaims}, EtrnModule's default) with
 * {@link CassandraReleaseClaims}. Needs a server that binds a Cassandra {@code CqlSession} (the cluster server of
 * james-server, James's distributed server); the hold's root must be a {@code cassandra://} repository.
 */
public class EtrnClusterModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(CassandraReleaseClaims.class).in(Scopes.SINGLETON);
        OptionalBinder.newOptionalBinder(binder(), ReleaseClaims.class).setBinding().to(CassandraReleaseClaims.class);
    }
}
