package org.jamesetrn.protocol;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

import javax.inject.Inject;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.domainlist.api.DomainListException;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.protocols.api.ProtocolSession.State;
import org.apache.james.protocols.api.Request;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.api.handler.CommandHandler;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.core.esmtp.EhloExtension;
import org.jamesetrn.release.BoundedRelease;
import org.jamesetrn.release.DeferredMailRelease;
import org.jamesetrn.release.InvalidNodeException;
import org.jamesetrn.release.Node;
import org.jamesetrn.release.ReleaseResult;
import org.jamesetrn.release.NodeSyntax;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.annotations.VisibleForTesting;
import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;

/**
 * The SMTP ETRN command (RFC 1985) and its EHLO keyword. Checks, in order: the session state (503), the node syntax
 * (501), the client's rate limit (458), the policy (459); then starts the release of the node's deferred mail and
 * replies within the reply timeout (250/251/253, 458 on a backend failure, 459 for a queue the engine does not serve).
 * The ETRN never carries mail and the session goes on after any reply.
 */
public class EtrnCmdHandler implements CommandHandler<SMTPSession>, EhloExtension {
    private static final Logger LOGGER = LoggerFactory.getLogger(EtrnCmdHandler.class);
    private static final String COMMAND = "ETRN";
    private static final String INVALID_NODE = "<invalid>";

    private final DeferredMailRelease release;
    private final DomainList domainList;
    private final DNSService dnsService;
    private final EtrnAudit audit;
    private final Ticker ticker;

    private EtrnPolicy policy;
    private ReplyMode replyMode;
    private ClientRateLimiter rateLimiter;
    private BoundedRelease boundedRelease;

    @Inject
    public EtrnCmdHandler(DeferredMailRelease release, DomainList domainList, DNSService dnsService,
                          MetricFactory metricFactory) {
        this(release, domainList, dnsService, metricFactory, Ticker.systemTicker());
    }

    @VisibleForTesting
    EtrnCmdHandler(DeferredMailRelease release, DomainList domainList, DNSService dnsService,
                   MetricFactory metricFactory, Ticker ticker) {
        this.release = release;
        this.domainList = domainList;
        this.dnsService = dnsService;
        this.audit = new EtrnAudit(metricFactory);
        this.ticker = ticker;
        try {
            init(new BaseHierarchicalConfiguration());
        } catch (ConfigurationException e) {
            throw new IllegalStateException("the default ETRN settings are invalid", e);
        }
    }

    /** Reads the {@code <handler>} element; an empty element gives the secure defaults (nothing served). */
    @Override
    public void init(Configuration config) throws ConfigurationException {
        EtrnSettings settings = new EtrnSettings(config, dnsService);
        EtrnPolicy newPolicy = settings.policy(domainList);
        ReplyMode newReplyMode = settings.replies();
        ClientRateLimiter newRateLimiter = settings.rateLimiter(ticker);
        Duration replyTimeout = settings.replyTimeout();
        this.policy = newPolicy;
        this.replyMode = newReplyMode;
        this.rateLimiter = newRateLimiter;
        this.boundedRelease = new BoundedRelease(release, replyTimeout);
    }

    @Override
    public Response onCommand(SMTPSession session, Request request) {
        EtrnClient client = EtrnClient.of(session);
        try {
            return handle(session, client, request.getArgument());
        } catch (RuntimeException e) {
            // Whatever breaks inside (a release engine bug...), the client reads a temporary failure, not a trace.
            LOGGER.error("ETRN from {} failed", client.addressAsString(), e);
            audit.record(client, INVALID_NODE, EtrnOutcome.FAILED, "internal error");
            return EtrnReplies.internalError();
        }
    }

    private Response handle(SMTPSession session, EtrnClient client, String argument) {
        if (session.getAttachment(SMTPSession.CURRENT_HELO_MODE, State.Connection).isEmpty()) {
            return badSequence(client, "Need HELO or EHLO before ETRN");
        }
        if (session.getAttachment(SMTPSession.SENDER, State.Transaction).isPresent()) {
            return badSequence(client, "ETRN not allowed inside a mail transaction");
        }
        Node node;
        try {
            node = NodeSyntax.parse(argument);
        } catch (InvalidNodeException e) {
            audit.record(client, INVALID_NODE, EtrnOutcome.SYNTAX_ERROR, e.getMessage());
            return EtrnReplies.syntaxError(e.getMessage());
        }
        if (!rateLimiter.tryAcquire(client.address())) {
            audit.record(client, node.asString(), EtrnOutcome.RATE_LIMITED, "");
            return EtrnReplies.rateLimited(node);
        }
        PolicyDecision decision;
        try {
            decision = policy.decide(client, node);
        } catch (DomainListException e) {
            LOGGER.warn("ETRN: cannot read the local domains", e);
            audit.record(client, node.asString(), EtrnOutcome.FAILED, "domain list unavailable");
            return EtrnReplies.unableToQueue(node);
        }
        if (!decision.isAllowed()) {
            String reason = decision.refusal().orElseThrow();
            audit.record(client, node.asString(), EtrnOutcome.REFUSED, reason);
            return EtrnReplies.notAllowed(node, reason);
        }
        return release(client, node);
    }

    private Response release(EtrnClient client, Node node) {
        ReleaseResult result = boundedRelease.start(node);
        switch (result.status()) {
            case FAILED:
                audit.record(client, node.asString(), EtrnOutcome.FAILED, "release failed");
                return EtrnReplies.unableToQueue(node);
            case UNKNOWN_QUEUE:
                audit.record(client, node.asString(), EtrnOutcome.REFUSED, EtrnPolicy.QUEUE_NOT_SERVED);
                return EtrnReplies.notAllowed(node, EtrnPolicy.QUEUE_NOT_SERVED);
            case STARTED:
                long count = result.count().orElseThrow();
                if (replyMode == ReplyMode.DETAILED) {
                    audit.record(client, node.asString(),
                        count == 0 ? EtrnOutcome.NOTHING_WAITING : EtrnOutcome.STARTED, "count=" + count);
                    return count == 0 ? EtrnReplies.noMessagesWaiting(node) : EtrnReplies.messagesStarted(node, count);
                }
                audit.record(client, node.asString(), EtrnOutcome.QUEUING_STARTED, "count=" + count);
                return EtrnReplies.queuingStarted(node);
            default:
                audit.record(client, node.asString(), EtrnOutcome.QUEUING_STARTED, "count=unknown");
                return EtrnReplies.queuingStarted(node);
        }
    }

    private Response badSequence(EtrnClient client, String reason) {
        audit.record(client, "-", EtrnOutcome.BAD_SEQUENCE, reason);
        return EtrnReplies.badSequence(reason);
    }

    @Override
    public Collection<String> getImplCommands() {
        return ImmutableSet.of(COMMAND);
    }

    @Override
    public List<String> getImplementedEsmtpFeatures(SMTPSession session) {
        return ImmutableList.of(COMMAND);
    }
}
