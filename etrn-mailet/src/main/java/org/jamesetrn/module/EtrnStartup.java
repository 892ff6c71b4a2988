package org.jamesetrn.module;

import javax.inject.Inject;

import org.apache.james.utils.UserDefinedStartable;
import org.jamesetrn.release.queue.QueueSources;

/**
 * Checks and prepares the queues ETRN releases from when James starts ({@link QueueSources#prepare}): named by
 * {@code guice.extension.startable} in conf/extensions.properties, James calls {@link #start()} during its
 * initialisation, and a failure stops James with the message. Without that line the same is done at the first
 * release, whose ETRN then fails (458) with the message in the log, and ActiveMQ's page window stays as it is until
 * then.
 */
public final class EtrnStartup implements UserDefinedStartable {
    private final QueueSources queueSources;

    @Inject
    EtrnStartup(QueueSources queueSources) {
        this.queueSources = queueSources;
    }

    @Override
    public void start() {
        queueSources.prepare();
    }
}
