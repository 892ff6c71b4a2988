package org.jamesetrn.release;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;

/**
 * Binds the release engine for James's extension injector. Named by {@code guice.extension.module} in
 * {@code conf/extensions.properties}; the ETRN handler, mailets and WebAdmin routes can then inject
 * {@link DeferredMailRelease}.
 */
public class EtrnReleaseModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(DeferredMailRelease.class).to(MailQueueRelease.class).in(Scopes.SINGLETON);
    }
}
