package org.jamesetrn.odmr.provider;

import java.io.IOException;
import java.io.UncheckedIOException;

import javax.inject.Inject;

import org.apache.james.utils.UserDefinedStartable;

/**
 * Starts the ODMR listener when James starts: named by {@code guice.extension.startable} in
 * conf/extensions.properties, James's {@code UserStartables} calls {@link #start()} during its initialisation. A
 * listener that cannot bind its address stops James's start-up with the reason, as James's own SMTP server does.
 */
public final class OdmrStartup implements UserDefinedStartable {
    private final OdmrListener listener;

    @Inject
    OdmrStartup(OdmrListener listener) {
        this.listener = listener;
    }

    @Override
    public void start() {
        try {
            listener.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }
}
