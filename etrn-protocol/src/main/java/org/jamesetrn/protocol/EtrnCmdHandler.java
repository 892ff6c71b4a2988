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
import org.jamesetrn.node.InvalidNodeException;
import org.jamesetrn.node.Node;
import org.jamesetrn.node.NodeSyntax;
import org.jamesetrn.policy.HandlerPolicies;
import org.jamesetrn.release.CountWait;
import org.jamesetrn.release.DeferredMailRelease;
import org.jamesetrn.release.ReleaseResult;
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

    private final DeferredMailRelease release;
    private final DomainList domainList;
    private final DNSService dnsService;
    private final EtrnAudit audit;
    private final Ticker ticker;
    private final HandlerPolicies adminPolicies;

    private EtrnPolicy policy;
    private ReplyMode replyMode;
    private ClientRateLimiter rateLimiter;
    private CountWait countWait;

    @Inject
    public EtrnCmdHandler(DeferredMailRelease release, DomainList domainList, DNSService dnsService,
                          MetricFactory metricFactory, HandlerPolicies adminPolicies) {
        this(release, domainList, dnsService, metricFactory, Ticker.systemTicker(), adminPolicies);
    }

    @VisibleForTesting
    EtrnCmdHandler(DeferredMailRelease release, DomainList domainList, DNSService dnsService,
                   MetricFactory metricFactory, Ticker ticker) {
        this(release, domainList, dnsService, metricFactory, ticker, new HandlerPolicies());
    }

    @VisibleForTesting
    EtrnCmdHandler(DeferredMailRelease release, DomainList domainList, DNSService dnsService,
                   MetricFactory metricFactory, Ticker ticker, HandlerPolicies adminPolicies) {
        this.release = release;
        this.domainList = domainList;
        this.dnsService = dnsService;
        this.audit = new EtrnAudit(metricFactory);
        this.ticker = ticker;
        this.adminPolicies = adminPolicies;
        try {
            configure(new EtrnSettings(new BaseHierarchicalConfiguration(), dnsService));
        } catch (ConfigurationException e) {
            throw new IllegalStateException("the default ETRN settings are invalid", e);
        }
    }

    /**
     * Reads the {@code <handler>} element; an empty element gives the secure defaults (nothing served). Publishes the
     * node rules and the rate limit for the administrator's release ({@code POST /etrn/{node}}, which follows them).
     */
    @Override
    public void init(Configuration config) throws ConfigurationException {
        EtrnSettings settings = new EtrnSettings(config, dnsService);
        configure(settings);
        adminPolicies.publish(this, new HandlerAdminPolicy(policy, settings.rateLimiter(ticker)));
    }

    private void configure(EtrnSettings settings) throws ConfigurationException {
        EtrnPolicy newPolicy = settings.policy(domainList);
        ReplyMode newReplyMode = settings.replies();
        ClientRateLimiter newRateLimiter = settings.rateLimiter(ticker);
        Duration replyTimeout = settings.replyTimeout();
        this.policy = newPolicy;
        this.replyMode = newReplyMode;
        this.rateLimiter = newRateLimiter;
        this.countWait = new CountWait(release, replyTimeout);
    }

    @Override
    public Response onCommand(SMTPSession session, Request request) {
        Requester client = Requester.of(session);
        EtrnAnswer answer;
        try {
            answer = decide(session, client, request.getArgument());
        } catch (RuntimeException e) {
            // Whatever breaks inside (a release engine bug...), the client reads a temporary failure, not a trace.
            LOGGER.error("ETRN from {} failed", client.addressAsString(), e);
            answer = EtrnAnswer.internalError();
        }
        audit.record(client, answer);
        return EtrnReplies.to(answer);
    }

    private EtrnAnswer decide(SMTPSession session, Requester client, String argument) {
        if (session.getAttachment(SMTPSession.CURRENT_HELO_MODE, State.Connection).isEmpty()) {
            return EtrnAnswer.badSequence("Need HELO or EHLO before ETRN");
        }
        if (session.getAttachment(SMTPSession.SENDER, State.Transaction).isPresent()) {
            return EtrnAnswer.badSequence("ETRN not allowed inside a mail transaction");
        }
        Node node;
        try {
            node = NodeSyntax.parse(argument);
        } catch (InvalidNodeException e) {
            return EtrnAnswer.syntaxError(e.getMessage());
        }
        if (!rateLimiter.tryAcquire(client.address())) {
            return EtrnAnswer.of(EtrnOutcome.RATE_LIMITED, node, "");
        }
        PolicyDecision decision;
        try {
            decision = policy.decide(client, node);
        } catch (DomainListException e) {
            LOGGER.warn("ETRN: cannot read the local domains", e);
            return EtrnAnswer.of(EtrnOutcome.FAILED, node, "domain list unavailable");
        }
        if (!decision.isAllowed()) {
            return EtrnAnswer.of(EtrnOutcome.REFUSED, node, decision.refusal().orElseThrow());
        }
        return release(node);
    }

    /** Starts the release and words its outcome as the reply mode wants it. */
    private EtrnAnswer release(Node node) {
        ReleaseResult result = countWait.release(node);
        switch (result.status()) {
            case FAILED:
                return EtrnAnswer.of(EtrnOutcome.FAILED, node, "release failed");
            case UNKNOWN_QUEUE:
                return EtrnAnswer.of(EtrnOutcome.REFUSED, node, EtrnPolicy.QUEUE_NOT_SERVED);
            case STARTED:
                long count = result.count().orElseThrow();
                if (replyMode == ReplyMode.PRIVATE) {
                    return EtrnAnswer.counted(EtrnOutcome.QUEUING_STARTED, node, count);
                }
                return EtrnAnswer.counted(count == 0 ? EtrnOutcome.NOTHING_WAITING : EtrnOutcome.STARTED, node, count);
            default:
                return EtrnAnswer.of(EtrnOutcome.QUEUING_STARTED, node, "count not known within the reply timeout");
        }
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
