package org.jamesetrn.client;

import javax.inject.Singleton;

import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.utils.PropertiesProvider;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Scopes;

/**
 * The ETRN client's Guice module, for James's extension injector: named by {@code guice.extension.module} in
 * conf/extensions.properties beside {@code EtrnModule}. One client per James, shared by the start-up hook
 * ({@link EtrnClientStartup}) and the WebAdmin route ({@link EtrnClientRoutes}); its settings from
 * conf/etrn-client.properties.
 */
public class EtrnClientModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(EtrnClient.class).in(Scopes.SINGLETON);
    }

    @Provides
    @Singleton
    EtrnClientConfiguration etrnClientConfiguration(PropertiesProvider propertiesProvider) throws ConfigurationException {
        return EtrnClientConfiguration.load(propertiesProvider);
    }
}
