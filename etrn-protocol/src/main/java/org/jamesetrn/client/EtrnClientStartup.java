package org.jamesetrn.client;

import java.util.List;

import javax.inject.Inject;

import org.apache.james.protocols.lib.netty.AbstractConfigurableAsyncServer;
import org.apache.james.smtpserver.netty.SMTPServerFactory;
import org.apache.james.utils.UserDefinedStartable;

/**
 * Starts the ETRN client when James starts: named by {@code guice.extension.startable} in
 * conf/extensions.properties, James's {@code UserStartables} calls {@link #start()} during its initialisation.
 * James may bind its SMTP servers after this runs (the order of initialisation steps is not fixed), so the first
 * request waits, on the client's own thread, until every enabled SMTP server listens: the mail the relay then sends
 * must find this server up. Never blocks or fails James's start-up.
 */
public final class EtrnClientStartup implements UserDefinedStartable {
    private final Runnable start;

    @Inject
    EtrnClientStartup(EtrnClient client, SMTPServerFactory smtpServers) {
        this.start = () -> client.startWhen(() -> listening(smtpServers));
    }

    @Override
    public void start() {
        start.run();
    }

    /** James has created its SMTP servers and every enabled one is bound (with none enabled, there is nothing to wait for). */
    private static boolean listening(SMTPServerFactory smtpServers) {
        List<AbstractConfigurableAsyncServer> servers = smtpServers.getServers();
        return servers != null && servers.stream()
            .filter(AbstractConfigurableAsyncServer::isEnabled)
            .allMatch(AbstractConfigurableAsyncServer::isStarted);
    }
}
