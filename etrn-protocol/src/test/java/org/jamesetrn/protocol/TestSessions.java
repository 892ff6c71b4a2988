package org.jamesetrn.protocol;

import java.net.InetSocketAddress;
import java.util.Optional;

import javax.net.ssl.SSLSession;

import org.apache.james.core.MaybeSender;
import org.apache.james.core.Username;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.api.ProtocolSession.State;
import org.apache.james.protocols.api.ProtocolTransport;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.api.handler.LineHandler;
import org.apache.james.protocols.smtp.SMTPConfigurationImpl;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.SMTPSessionImpl;

import com.google.common.net.InetAddresses;

/** Real James SMTP sessions (SMTPSessionImpl) over a transport that only knows the client's address. */
final class TestSessions {
    private TestSessions() {
    }

    /** A session from {@code ip}, after EHLO; James decides relaying from {@code relaying}. */
    static SMTPSession afterEhlo(String ip, boolean relaying) {
        SMTPSession session = connected(ip, relaying);
        session.setAttachment(SMTPSession.CURRENT_HELO_MODE, "EHLO", State.Connection);
        session.setAttachment(SMTPSession.CURRENT_HELO_NAME, "client.test", State.Connection);
        return session;
    }

    static SMTPSession connected(String ip, boolean relaying) {
        SMTPConfigurationImpl configuration = new SMTPConfigurationImpl() {
            @Override
            public boolean isRelayingAllowed(String remoteIP) {
                return relaying;
            }
        };
        return new SMTPSessionImpl(new AddressOnlyTransport(new InetSocketAddress(InetAddresses.forString(ip), 40000)),
            configuration);
    }

    static SMTPSession authenticated(String ip, String user) {
        SMTPSession session = afterEhlo(ip, false);
        session.setUsername(Username.of(user));
        return session;
    }

    static SMTPSession inTransaction(SMTPSession session) {
        session.setAttachment(SMTPSession.SENDER, MaybeSender.nullSender(), State.Transaction);
        return session;
    }

    private static final class AddressOnlyTransport implements ProtocolTransport {
        private final InetSocketAddress remote;

        AddressOnlyTransport(InetSocketAddress remote) {
            this.remote = remote;
        }

        @Override
        public InetSocketAddress getRemoteAddress() {
            return remote;
        }

        @Override
        public InetSocketAddress getLocalAddress() {
            return new InetSocketAddress(InetAddresses.forString("127.0.0.1"), 25);
        }

        @Override
        public String getId() {
            return "test-session";
        }

        @Override
        public boolean isTLSStarted() {
            return false;
        }

        @Override
        public boolean isStartTLSSupported() {
            return false;
        }

        @Override
        public Optional<SSLSession> getSSLSession() {
            return Optional.empty();
        }

        @Override
        public boolean isProxyRequired() {
            return false;
        }

        @Override
        public void writeResponse(Response response, ProtocolSession session) {
            throw new UnsupportedOperationException("handlers return their response");
        }

        @Override
        public void popLineHandler() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void pushLineHandler(LineHandler<? extends ProtocolSession> overrideCommandHandler,
                                    ProtocolSession session) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setReadable(boolean readable) {
        }

        @Override
        public boolean isReadable() {
            return true;
        }
    }
}
