package org.jamesetrn.module;

import javax.inject.Singleton;

import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.utils.PropertiesProvider;
import org.jamesetrn.health.HoldHealthCheck;
import org.jamesetrn.hold.ClaimsHealthCheck;
import org.jamesetrn.hold.HoldIntake;
import org.jamesetrn.hold.HoldStoreHealthCheck;
import org.jamesetrn.hold.Holds;
import org.jamesetrn.hold.MemoryReleaseClaims;
import org.jamesetrn.hold.OnDemandRelease;
import org.jamesetrn.hold.ReleaseClaims;
import org.jamesetrn.intake.QueueSpoolBacklog;
import org.jamesetrn.intake.SpoolBacklog;
import org.jamesetrn.policy.AdminPolicy;
import org.jamesetrn.policy.HandlerPolicies;
import org.jamesetrn.release.DeferredMailInventory;
import org.jamesetrn.release.DeferredMailRelease;
import org.jamesetrn.release.DeferredMailSources;
import org.jamesetrn.release.ProbeOutcomes;
import org.jamesetrn.release.ReleaseConfiguration;
import org.jamesetrn.release.ReleaseEngine;
import org.jamesetrn.release.queue.JmsBackends;
import org.jamesetrn.release.queue.QueueSources;
import org.jamesetrn.release.repository.SharedRepositories;

import com.google.inject.AbstractModule;
import com.google.inject.Injector;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;

/**
 * The extension's Guice module, for James's extension injector: named by {@code guice.extension.module} in
 * {@code conf/extensions.properties}. Binds the release engine behind {@link DeferredMailRelease} (for the ETRN
 * handler, mailets and WebAdmin routes) with its sources, the holds the {@code HoldForEtrn} mailets declare, and
 * provides the configuration of etrn.properties. Everything the mailets inject is bound here explicitly, so that the
 * mailets, the SMTP handler and the routes, each built by James in its own child of this injector, share one
 * instance.
 *
 * <p>The queues are checked and prepared when James starts by {@link EtrnStartup} ({@code guice.extension.startable}
 * in conf/extensions.properties), not while this injector is created: the queue factory James binds may need, through
 * its mailbox, the very loader that is creating this injector.</p>
 */
public class EtrnModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(ReleaseEngine.class).in(Scopes.SINGLETON);
        bind(DeferredMailRelease.class).to(ReleaseEngine.class);
        bind(DeferredMailInventory.class).to(ReleaseEngine.class);
        bind(ProbeOutcomes.class).in(Scopes.SINGLETON);
        // The ETRN handlers publish their policy here; the WebAdmin route follows it.
        bind(HandlerPolicies.class).in(Scopes.SINGLETON);
        bind(AdminPolicy.class).to(HandlerPolicies.class);

        // Where deferred mail waits: RemoteDelivery's queues (provided below), the holds of HoldForEtrn, James's
        // shared repositories.
        bind(Holds.class).in(Scopes.SINGLETON);
        bind(OnDemandRelease.class).to(Holds.class);
        bind(HoldIntake.class).to(Holds.class);
        bind(SharedRepositories.class).in(Scopes.SINGLETON);
        // What SMTP's in-flow delay asks before a new mail: how many mails the spool has not processed yet.
        bind(SpoolBacklog.class).to(QueueSpoolBacklog.class);
        bind(QueueSpoolBacklog.class).in(Scopes.SINGLETON);
        Multibinder<DeferredMailSources> sources = Multibinder.newSetBinder(binder(), DeferredMailSources.class);
        sources.addBinding().to(QueueSources.class);
        sources.addBinding().to(Holds.class);
        sources.addBinding().to(SharedRepositories.class);

        // One server's claims on held mail, by default; org.jamesetrn.cluster.EtrnClusterModule (listed with this module
        // in extensions.properties) sets claims shared through Cassandra instead.
        bind(MemoryReleaseClaims.class).in(Scopes.SINGLETON);
        OptionalBinder.newOptionalBinder(binder(), ReleaseClaims.class).setDefault().to(MemoryReleaseClaims.class);

        // The hold's checks for James's /healthcheck (the component HoldHealthCheck of conf/healthcheck.properties):
        // its store (read, written) and its claims (read: in Cassandra on a cluster).
        Multibinder<HealthCheck> holdChecks = HoldHealthCheck.parts(binder());
        holdChecks.addBinding().to(HoldStoreHealthCheck.class);
        holdChecks.addBinding().to(ClaimsHealthCheck.class);
    }

    @Provides
    @Singleton
    ReleaseConfiguration releaseConfiguration(PropertiesProvider propertiesProvider) throws ConfigurationException {
        return ReleaseConfiguration.load(propertiesProvider);
    }

    /**
     * The injector is James's extension injector, which sees every binding of the server: the JMS ConnectionFactory
     * is looked up there by name, so this module also loads on servers that bind none (the memory server).
     */
    @Provides
    @Singleton
    QueueSources queueSources(MailQueueFactory<? extends ManageableMailQueue> queueFactory, ReleaseConfiguration configuration,
                              Injector injector) {
        return new QueueSources(queueFactory, configuration, JmsBackends.lookup(injector, configuration));
    }
}
