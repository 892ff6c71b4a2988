package org.jamesetrn.odmr.provider;

import javax.inject.Singleton;

import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.utils.PropertiesProvider;
import org.jamesetrn.hold.OnDemandRelease;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Scopes;
import com.google.inject.multibindings.OptionalBinder;

/**
 * The ODMR provider's Guice module, for James's extension injector: named by {@code guice.extension.module} in
 * conf/extensions.properties after {@code EtrnModule}. One listener per James, its settings from conf/odmr.properties,
 * its customers from conf/odmr-customers.properties; the held mail through {@link OnDemandRelease}, which the hold's
 * module binds (optional here, so that James still starts without it: ATRN then answers 451 and the start-up log
 * says why).
 */
public class OdmrModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(OdmrListener.class).in(Scopes.SINGLETON);
        OptionalBinder.newOptionalBinder(binder(), OnDemandRelease.class);
    }

    @Provides
    @Singleton
    OdmrSettings odmrSettings(PropertiesProvider propertiesProvider) throws ConfigurationException {
        return OdmrSettings.load(propertiesProvider);
    }

    @Provides
    @Singleton
    Customers customers(PropertiesProvider propertiesProvider) throws ConfigurationException {
        return Customers.load(propertiesProvider);
    }
}
