package org.jamesetrn.protocol;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.security.KeyStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.apache.james.core.Username;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.protocols.api.OidcSASLConfiguration;
import org.apache.james.protocols.api.Request;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.api.handler.WiringException;
import org.apache.james.protocols.netty.AbstractChannelPipelineFactory;
import org.apache.james.protocols.netty.AllButStartTlsLineChannelHandlerFactory;
import org.apache.james.protocols.netty.Encryption;
import org.apache.james.protocols.netty.NettyServer;
import org.apache.james.protocols.smtp.SMTPConfigurationImpl;
import org.apache.james.protocols.smtp.SMTPProtocol;
import org.apache.james.protocols.smtp.SMTPProtocolHandlerChain;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.AuthHook;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.jamesetrn.policy.HandlerPolicies;
import org.jamesetrn.release.RecordingRelease;

import com.google.common.collect.ImmutableList;

/**
 * A relay for the ETRN client's tests, made of real parts: James's SMTP protocol server (protocols-smtp on Netty)
 * with our {@link EtrnCmdHandler} and a {@link RecordingRelease}, on a loopback port; optionally STARTTLS (with a
 * key store of src/test/resources/tls) and AUTH for one user. It records each ETRN it receives, with whether the
 * session was under TLS and who had authenticated. Replies come from the handler's options: 253/251 (detailed),
 * 250 (private), 459 (node not served), 458 (the release engine fails).
 */
public final class TestRelay implements AutoCloseable {
    /** One ETRN as the relay received it. */
    public static final class Received {
        private final String argument;
        private final boolean tls;
        private final Optional<Username> user;

        /** Read from the session when the command arrives: TLS and AUTH are the session's state at that moment. */
        Received(SMTPSession session, Request request) {
            this.argument = request.getArgument();
            this.tls = session.isTLSStarted();
            this.user = Optional.ofNullable(session.getUsername());
        }

        public String argument() {
            return argument;
        }

        public boolean tls() {
            return tls;
        }

        public Optional<Username> user() {
            return user;
        }
    }

    public static final class Builder {
        private String handlerOptions = "<allowedNetworks>127.0.0.0/8</allowedNetworks><nodes>@customer.test</nodes>";
        private boolean advertiseEtrn = true;
        private Optional<String> keyStore = Optional.empty();
        private Optional<String> user = Optional.empty();
        private Optional<String> password = Optional.empty();
        private RecordingRelease release = new RecordingRelease().startingCount(3);

        /** The content of the ETRN {@code <handler>} element. */
        public Builder handlerOptions(String xml) {
            this.handlerOptions = xml;
            return this;
        }

        /** A relay that understands ETRN but does not list it in EHLO. */
        public Builder withoutEtrnInEhlo() {
            this.advertiseEtrn = false;
            return this;
        }

        /** Offers STARTTLS with the key of this key store (a file name under tls/ on the test class path). */
        public Builder startTls(String keyStoreResource) {
            this.keyStore = Optional.of(keyStoreResource);
            return this;
        }

        /** Offers AUTH (PLAIN, LOGIN) and accepts this one user. */
        public Builder auth(String user, String password) {
            this.user = Optional.of(user);
            this.password = Optional.of(password);
            return this;
        }

        public Builder release(RecordingRelease release) {
            this.release = release;
            return this;
        }

        public TestRelay start() throws Exception {
            return new TestRelay(this);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private final RecordingRelease release;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final NettyServer server;

    private TestRelay(Builder builder) throws Exception {
        this.release = builder.release;
        EtrnCmdHandler etrn = new EtrnCmdHandler(release, new FixedDomainList("relay.local"), new LiteralDnsService(),
            new RecordingMetricFactory(), new HandlerPolicies()) {
            @Override
            public Response onCommand(SMTPSession session, Request request) {
                received.add(new Received(session, request));
                return super.onCommand(session, request);
            }

            @Override
            public List<String> getImplementedEsmtpFeatures(SMTPSession session) {
                return builder.advertiseEtrn ? super.getImplementedEsmtpFeatures(session) : ImmutableList.of();
            }
        };
        etrn.init(TestConfigurations.handler(builder.handlerOptions));
        SMTPProtocolHandlerChain chain = new SMTPProtocolHandlerChain(new RecordingMetricFactory());
        chain.add(etrn);
        boolean auth = builder.user.isPresent();
        if (auth) {
            chain.add(acceptOnly(builder.user.get(), builder.password.get()));
        }
        wire(chain);
        SMTPConfigurationImpl configuration = new SMTPConfigurationImpl() {
            @Override
            public boolean isAuthAnnounced(String remoteIP, boolean tlsStarted) {
                return auth;
            }
        };
        server = listen(new SMTPProtocol(chain, configuration), builder.keyStore.map(TestRelay::startTls).orElse(null));
    }

    /** James's SMTP protocol server for this protocol on a free loopback port (STARTTLS when {@code tls} is given). */
    public static NettyServer listen(SMTPProtocol protocol, Encryption tls) throws Exception {
        NettyServer server = new NettyServer.Factory()
            .protocol(protocol)
            .secure(tls)
            .frameHandlerFactory(new AllButStartTlsLineChannelHandlerFactory("starttls",
                AbstractChannelPipelineFactory.MAX_LINE_LENGTH))
            .build();
        server.setListenAddresses(new InetSocketAddress("127.0.0.1", 0));
        // Netty's graceful shutdown waits two quiet seconds: too long for a server per test.
        server.setGracefulShutdown(false);
        server.bind();
        return server;
    }

    public int port() {
        return server.getListenAddresses().get(0).getPort();
    }

    /** The ETRN commands received, in order. */
    public List<Received> received() {
        return received;
    }

    public RecordingRelease release() {
        return release;
    }

    @Override
    public void close() {
        server.unbind();
    }

    private static void wire(SMTPProtocolHandlerChain chain) throws WiringException {
        chain.wireExtensibleHandlers();
    }

    private static AuthHook acceptOnly(String user, String password) {
        return new AuthHook() {
            @Override
            public HookResult doAuth(SMTPSession session, Username username, String given) {
                if (username.asString().equals(user) && given.equals(password)) {
                    // As James's own AUTH hook does: the protocol handler leaves naming the user to the hook.
                    session.setUsername(username);
                    return HookResult.OK;
                }
                return HookResult.DECLINED;
            }

            @Override
            public HookResult doSasl(SMTPSession session, OidcSASLConfiguration configuration, String initialResponse) {
                return HookResult.DECLINED;
            }
        };
    }

    private static Encryption startTls(String keyStoreResource) {
        try (InputStream in = TestRelay.class.getResourceAsStream("/tls/" + keyStoreResource)) {
            char[] password = "changeit".toCharArray();
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, password);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(keyStore, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return Encryption.createStartTls(context);
        } catch (Exception e) {
            throw new IllegalStateException("cannot load tls/" + keyStoreResource, e);
        }
    }
}
