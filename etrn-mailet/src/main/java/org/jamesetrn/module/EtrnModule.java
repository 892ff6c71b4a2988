package org.jamesetrn.module;

import javax.inject.Singleton;

import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.utils.PropertiesProvider;
import org.jamesetrn.release.DeferredMailRelease;
import org.jamesetrn.release.DeferredMailSources;
import org.jamesetrn.release.ReleaseConfiguration;
import org.jamesetrn.release.ReleaseEngine;
import org.jamesetrn.release.queue.QueueSources;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import com.google.inject.multibindings.Multibinder;

/**
 * The extension's Guice module, for James's extension injector: named by {@code guice.extension.module} in
 * {@code conf/extensions.properties}. Binds the release engine behind {@link DeferredMailRelease} (for the ETRN
 * handler, mailets and WebAdmin routes) with its sources, and provides the configuration of etrn.properties.
 */
public class EtrnModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(ReleaseEngine.class).in(Scopes.SINGLETON);
        bind(DeferredMailRelease.class).to(ReleaseEngine.class);
        Multibinder.newSetBinder(binder(), DeferredMailSources.class).addBinding().to(QueueSources.class);
    }

    @Provides
    @Singleton
    ReleaseConfiguration releaseConfiguration(PropertiesProvider propertiesProvider) throws ConfigurationException {
        return ReleaseConfiguration.load(propertiesProvider);
    }
}
