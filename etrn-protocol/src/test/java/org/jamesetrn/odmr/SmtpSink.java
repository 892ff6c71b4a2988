package org.jamesetrn.odmr;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.protocols.netty.NettyServer;
import org.apache.james.protocols.api.handler.ProtocolHandler;
import org.apache.james.protocols.smtp.MailEnvelope;
import org.apache.james.protocols.smtp.SMTPConfigurationImpl;
import org.apache.james.protocols.smtp.SMTPProtocol;
import org.apache.james.protocols.smtp.SMTPProtocolHandlerChain;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.core.esmtp.EhloCmdHandler;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.MessageHook;
import org.apache.james.protocols.smtp.hook.RcptHook;
import org.jamesetrn.protocol.TestRelay;

import com.google.common.collect.ImmutableList;

/**
 * The customer's own SMTP server in the ODMR tests, where the customer side relays the turnaround: James's SMTP
 * protocol server (protocols-smtp on Netty, PIPELINING offered unless told otherwise) on a loopback port. It answers each recipient as told
 * by its local part ({@code tempfail...} 452, {@code reject...} 550, else 250), records each message it accepts
 * (Message-ID and recipients), and can close the connection after a number of messages.
 */
public final class SmtpSink implements AutoCloseable {
    /** One accepted message. */
    public static final class Received {
        private final String messageId;
        private final List<String> recipients;

        Received(String messageId, List<String> recipients) {
            this.messageId = messageId;
            this.recipients = recipients;
        }

        public String messageId() {
            return messageId;
        }

        public List<String> recipients() {
            return recipients;
        }

        @Override
        public String toString() {
            return messageId + " " + recipients;
        }
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> perConnection = new ConcurrentHashMap<>();
    private final AtomicInteger disconnectAfter = new AtomicInteger(Integer.MAX_VALUE);
    private final NettyServer server;

    public SmtpSink() throws Exception {
        this(true);
    }

    /** {@code pipelining} false: its EHLO does not offer PIPELINING (RFC 2920), so the provider waits for each reply. */
    public SmtpSink(boolean pipelining) throws Exception {
        RcptHook perRecipient = new RcptHook() {
            @Override
            public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress rcpt) {
                String local = rcpt.getLocalPart();
                if (local.startsWith("tempfail")) {
                    return answer(HookReturnCode.denySoft(), "452", "4.2.2 Mailbox full, try later");
                }
                if (local.startsWith("reject")) {
                    return answer(HookReturnCode.deny(), "550", "5.1.1 No such user here");
                }
                return HookResult.DECLINED;
            }
        };
        MessageHook record = new MessageHook() {
            @Override
            public HookResult onMessage(SMTPSession session, MailEnvelope mail) {
                received.add(new Received(messageId(mail),
                    mail.getRecipients().stream().map(MailAddress::asString).collect(ImmutableList.toImmutableList())));
                int count = perConnection.merge(session.getSessionID(), 1, Integer::sum);
                if (count >= disconnectAfter.get()) {
                    return HookResult.builder().hookReturnCode(HookReturnCode.disconnected(HookReturnCode.Action.OK))
                        .smtpReturnCode("250").smtpDescription("2.0.0 OK, and goodbye").build();
                }
                return HookResult.OK;
            }
        };
        SMTPProtocolHandlerChain chain = new SMTPProtocolHandlerChain(new RecordingMetricFactory(), false);
        for (ProtocolHandler handler : new DefaultHandlers().list()) {
            chain.add(handler instanceof EhloCmdHandler && !pipelining ? new EhloWithoutPipelining() : handler);
        }
        chain.add(perRecipient);
        chain.add(record);
        chain.wireExtensibleHandlers();
        server = TestRelay.listen(new SMTPProtocol(chain, new SMTPConfigurationImpl() { }), null);
    }

    /** protocols-smtp's default handlers, as its chain lists them. */
    private static final class DefaultHandlers extends SMTPProtocolHandlerChain {
        DefaultHandlers() {
            super(new RecordingMetricFactory(), false);
        }

        List<ProtocolHandler> list() {
            return initDefaultHandlers();
        }
    }

    /** James's EHLO without the PIPELINING keyword. */
    private static final class EhloWithoutPipelining extends EhloCmdHandler {
        EhloWithoutPipelining() {
            super(new RecordingMetricFactory());
        }

        @Override
        public List<String> getImplementedEsmtpFeatures(SMTPSession session) {
            return super.getImplementedEsmtpFeatures(session).stream()
                .filter(keyword -> !keyword.equals("PIPELINING"))
                .collect(ImmutableList.toImmutableList());
        }
    }

    private static HookResult answer(HookReturnCode code, String reply, String description) {
        return HookResult.builder().hookReturnCode(code).smtpReturnCode(reply).smtpDescription(description).build();
    }

    private static String messageId(MailEnvelope mail) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(mail.getMessageInputStream(),
            StandardCharsets.ISO_8859_1))) {
            return lines.lines().takeWhile(line -> !line.isEmpty())
                .filter(line -> line.regionMatches(true, 0, "Message-ID:", 0, 11))
                .map(line -> line.substring(11).trim())
                .findFirst().orElse("<none>");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes each connection right after accepting its n-th message. */
    public SmtpSink disconnectAfter(int messages) {
        disconnectAfter.set(messages);
        return this;
    }

    public InetSocketAddress address() {
        return server.getListenAddresses().get(0);
    }

    public List<Received> received() {
        return received;
    }

    public List<String> messageIds() {
        return received.stream().map(Received::messageId).collect(ImmutableList.toImmutableList());
    }

    @Override
    public void close() {
        server.unbind();
    }
}
