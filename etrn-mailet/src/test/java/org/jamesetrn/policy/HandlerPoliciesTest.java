package org.jamesetrn.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.jamesetrn.node.Node;
import org.junit.jupiter.api.Test;

import com.google.common.net.InetAddresses;

/** The handlers' policies as one: nothing served before a handler publishes, served by any, limited by all. */
class HandlerPoliciesTest {
    private static final InetAddress ADMIN = InetAddresses.forString("127.0.0.1");

    private final HandlerPolicies policies = new HandlerPolicies();

    /** Serves one node; a rate limit of {@code permits} for every caller together. */
    private static AdminPolicy serving(Node served, int permits) {
        AtomicInteger left = new AtomicInteger(permits);
        return new AdminPolicy() {
            @Override
            public Optional<String> refusal(Node node) {
                return served.includes(node) ? Optional.empty() : Optional.of("node not served by this server");
            }

            @Override
            public boolean tryAcquire(InetAddress caller) {
                return left.getAndDecrement() > 0;
            }
        };
    }

    @Test
    void beforeAnyHandlerNothingIsServedAndNothingLimited() throws Exception {
        assertThat(policies.refusal(Node.domain("customer.test"))).contains(HandlerPolicies.NO_HANDLER);
        assertThat(policies.tryAcquire(ADMIN)).isTrue();
    }

    @Test
    void aNodeIsServedWhenOneHandlerServesIt() throws Exception {
        policies.publish("port 25", serving(Node.domainAndSubdomains("customer.test"), 10));
        policies.publish("port 587", serving(Node.domain("other.test"), 10));

        assertThat(policies.refusal(Node.domain("sub.customer.test"))).isEmpty();
        assertThat(policies.refusal(Node.domain("other.test"))).isEmpty();
        assertThat(policies.refusal(Node.domainAndSubdomains("com"))).contains("node not served by this server");
    }

    @Test
    void theStrictestRateLimitBinds() {
        policies.publish("port 25", serving(Node.domain("customer.test"), 3));
        policies.publish("port 587", serving(Node.domain("customer.test"), 1));

        assertThat(policies.tryAcquire(ADMIN)).isTrue();
        assertThat(policies.tryAcquire(ADMIN)).isFalse();
    }

    @Test
    void aHandlerPublishingAgainReplacesItsPolicy() throws Exception {
        Object handler = new Object();
        policies.publish(handler, serving(Node.domain("customer.test"), 1));
        policies.publish(handler, serving(Node.domain("other.test"), 1));

        assertThat(policies.refusal(Node.domain("customer.test"))).isPresent();
        assertThat(policies.refusal(Node.domain("other.test"))).isEmpty();
    }
}
