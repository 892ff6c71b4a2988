package org.jamesetrn.protocol;

import java.net.InetAddress;
import java.util.Optional;

import org.apache.james.domainlist.api.DomainListException;
import org.jamesetrn.node.Node;
import org.jamesetrn.policy.AdminPolicy;
import org.jamesetrn.policy.PolicyUnavailableException;

/**
 * What one ETRN handler publishes for the WebAdmin release: its policy's node rules, and a rate limit with the
 * handler's {@code <rateLimit>} settings whose buckets are the WebAdmin callers' own (an SMTP client and a WebAdmin
 * caller on the same address do not share one).
 */
final class HandlerAdminPolicy implements AdminPolicy {
    private final EtrnPolicy policy;
    private final ClientRateLimiter rateLimiter;

    HandlerAdminPolicy(EtrnPolicy policy, ClientRateLimiter rateLimiter) {
        this.policy = policy;
        this.rateLimiter = rateLimiter;
    }

    @Override
    public Optional<String> refusal(Node node) throws PolicyUnavailableException {
        try {
            return policy.nodeRefusal(node);
        } catch (DomainListException e) {
            throw new PolicyUnavailableException("cannot read the local domains", e);
        }
    }

    @Override
    public boolean tryAcquire(InetAddress caller) {
        return rateLimiter.tryAcquire(caller);
    }
}
