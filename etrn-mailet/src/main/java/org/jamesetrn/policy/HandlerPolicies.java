package org.jamesetrn.policy;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.jamesetrn.node.Node;

import com.google.common.collect.ImmutableList;

/**
 * Where each ETRN handler publishes its {@link AdminPolicy} when its SMTP server starts (one handler per SMTP server
 * of smtpserver.xml that lists it), and the one policy the WebAdmin route follows: a node is served when one handler
 * serves it (an SMTP client could release it on that server); a caller is limited by every handler's rate limit (the
 * strictest one binds). Until a handler is published, nothing is served, as with a handler that lists no node: the
 * release needs {@code ?force=true}, and no rate limit applies.
 *
 * <p>One instance per James (bound in {@code EtrnModule}, shared by the handlers and the route through James's
 * extension injector).</p>
 */
public final class HandlerPolicies implements AdminPolicy {
    static final String NO_HANDLER = "no ETRN handler in smtpserver.xml: no node is served";

    /** Per handler: a handler configured again replaces its policy. */
    private final Map<Object, AdminPolicy> published = new ConcurrentHashMap<>();

    /** Publishes (or replaces) the policy of this handler. */
    public void publish(Object handler, AdminPolicy policy) {
        published.put(handler, policy);
    }

    @Override
    public Optional<String> refusal(Node node) throws PolicyUnavailableException {
        List<AdminPolicy> policies = ImmutableList.copyOf(published.values());
        if (policies.isEmpty()) {
            return Optional.of(NO_HANDLER);
        }
        Optional<String> first = Optional.empty();
        for (AdminPolicy policy : policies) {
            Optional<String> refusal = policy.refusal(node);
            if (refusal.isEmpty()) {
                return refusal;
            }
            if (first.isEmpty()) {
                first = refusal;
            }
        }
        return first;
    }

    @Override
    public boolean tryAcquire(InetAddress caller) {
        boolean allowed = true;
        for (AdminPolicy policy : published.values()) {
            allowed &= policy.tryAcquire(caller);
        }
        return allowed;
    }
}
