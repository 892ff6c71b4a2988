package org.jamesetrn.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;

import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.Username;
import org.apache.james.domainlist.api.DomainListException;
import org.jamesetrn.node.NodeSyntax;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.google.common.net.InetAddresses;

/** The policy matrix: who (relaying, authenticated, networks, rules) may ask for which node (served, local, queue). */
class EtrnPolicyTest {
    private static final String SERVED = "<nodes>@customer.test, other.test, @local.test</nodes>"
        + "<queues>outgoing-smarthost</queues>";

    private final FixedDomainList localDomains = new FixedDomainList("relay.local", "local.test", "mx.branch.test");

    private EtrnPolicy policy(String xml) throws ConfigurationException {
        return new EtrnSettings(TestConfigurations.handler(xml), new LiteralDnsService()).policy(localDomains);
    }

    private static Requester relaying(String ip) {
        return new Requester(InetAddresses.forString(ip), true, Optional.empty());
    }

    private static Requester stranger(String ip) {
        return new Requester(InetAddresses.forString(ip), false, Optional.empty());
    }

    private static Requester user(String ip, String name) {
        return new Requester(InetAddresses.forString(ip), false, Optional.of(Username.of(name)));
    }

    private String decide(EtrnPolicy policy, Requester client, String node) throws Exception {
        return policy.decide(client, NodeSyntax.parse(node)).refusal().orElse("allowed");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "customer.test,          allowed",
        "CUSTOMER.TEST.,         allowed",
        "sub.customer.test,      allowed",
        "@customer.test,         allowed",
        "@sub.customer.test,     allowed",
        "other.test,             allowed",
        "@other.test,            node not served by this server",
        "sub.other.test,         node not served by this server",
        "@test,                  local domain",
        "unlisted.test,          node not served by this server",
        "relay.local,            local domain",
        "@relay.local,           local domain",
        "RELAY.LOCAL.,           local domain",
        "local.test,             local domain",
        "@local.test,            local domain",
        "sub.local.test,         allowed",
        "#outgoing-smarthost,    allowed",
        "#outgoing,              queue not served by this server",
        "#OUTGOING-SMARTHOST,    queue not served by this server",
    })
    void servedNodesForAnAuthorizedClient(String node, String expected) throws Exception {
        assertThat(decide(policy(SERVED), relaying("127.0.0.1"), node)).isEqualTo(expected);
    }

    @Test
    void localDomainsAreRefusedEvenWhenListed() throws Exception {
        EtrnPolicy policy = policy("<nodes>relay.local, @branch.test</nodes>");

        assertThat(decide(policy, relaying("127.0.0.1"), "relay.local")).isEqualTo(EtrnPolicy.LOCAL_DOMAIN);
        assertThat(decide(policy, relaying("127.0.0.1"), "@branch.test")).isEqualTo(EtrnPolicy.LOCAL_DOMAIN);
        assertThat(decide(policy, relaying("127.0.0.1"), "branch.test")).isEqualTo("allowed");
        assertThat(decide(policy, relaying("127.0.0.1"), "mx.branch.test")).isEqualTo(EtrnPolicy.LOCAL_DOMAIN);
    }

    @Test
    void localDomainsAreRefusedAsLocalWhenNotListed() throws Exception {
        EtrnPolicy policy = policy("<nodes>customer.test</nodes>");

        assertThat(decide(policy, relaying("127.0.0.1"), "relay.local")).isEqualTo(EtrnPolicy.LOCAL_DOMAIN);
        assertThat(decide(policy, relaying("127.0.0.1"), "@branch.test")).isEqualTo(EtrnPolicy.LOCAL_DOMAIN);
        assertThat(decide(policy, relaying("127.0.0.1"), "sub.relay.local")).isEqualTo(EtrnPolicy.NODE_NOT_SERVED);
        assertThat(decide(policy(""), relaying("127.0.0.1"), "local.test")).isEqualTo(EtrnPolicy.LOCAL_DOMAIN);
    }

    @Test
    void defaultsServeNothing() throws Exception {
        EtrnPolicy policy = policy("");

        assertThat(decide(policy, relaying("127.0.0.1"), "customer.test")).isEqualTo(EtrnPolicy.NODE_NOT_SERVED);
        assertThat(decide(policy, relaying("127.0.0.1"), "@customer.test")).isEqualTo(EtrnPolicy.NODE_NOT_SERVED);
        assertThat(decide(policy, relaying("127.0.0.1"), "#outgoing")).isEqualTo(EtrnPolicy.QUEUE_NOT_SERVED);
    }

    @ParameterizedTest(name = "relaying={0} user={1} networks={2} from {3}: {4}")
    @CsvSource({
        // allowRelayingClients, allowAuthenticatedUsers, allowedNetworks, client, expected
        "true,  true,  '',              relaying,      allowed",
        "true,  true,  '',              user,          allowed",
        "true,  true,  '',              stranger,      client not authorized",
        "false, true,  '',              relaying,      client not authorized",
        "false, true,  '',              user,          allowed",
        "true,  false, '',              user,          client not authorized",
        "true,  false, '',              relaying,      allowed",
        "false, false, '',              relaying,      client not authorized",
        "false, false, '',              user,          client not authorized",
        "false, false, 198.51.100.0/24, stranger,      allowed",
        "false, false, 198.51.100.7,    stranger,      allowed",
        "false, false, 203.0.113.0/24,  stranger,      client not authorized",
        "true,  true,  203.0.113.0/24,  stranger,      client not authorized",
    })
    void whoMayAsk(boolean relayingClients, boolean authenticatedUsers, String networks, String clientKind,
                   String expected) throws Exception {
        EtrnPolicy policy = policy(SERVED
            + "<allowRelayingClients>" + relayingClients + "</allowRelayingClients>"
            + "<allowAuthenticatedUsers>" + authenticatedUsers + "</allowAuthenticatedUsers>"
            + "<allowedNetworks>" + networks + "</allowedNetworks>");
        Requester client = clientKind.equals("relaying") ? relaying("198.51.100.7")
            : clientKind.equals("user") ? user("198.51.100.7", "alice") : stranger("198.51.100.7");

        assertThat(decide(policy, client, "customer.test")).isEqualTo(expected);
    }

    @Test
    void aRefusedClientLearnsNothingAboutTheNodes() throws Exception {
        EtrnPolicy policy = policy(SERVED);

        assertThat(decide(policy, stranger("203.0.113.9"), "unlisted.test")).isEqualTo(EtrnPolicy.CLIENT_NOT_AUTHORIZED);
        assertThat(decide(policy, stranger("203.0.113.9"), "local.test")).isEqualTo(EtrnPolicy.CLIENT_NOT_AUTHORIZED);
        assertThat(decide(policy, stranger("203.0.113.9"), "#outgoing")).isEqualTo(EtrnPolicy.CLIENT_NOT_AUTHORIZED);
    }

    @ParameterizedTest(name = "{0} for {1}: {2}")
    @CsvSource({
        "relaying-in-rule-network,  customer.test,       allowed",
        "relaying-in-rule-network,  @customer.test,      allowed",
        "relaying-elsewhere,        customer.test,       client not authorized for this node",
        "relaying-elsewhere,        sub.customer.test,   client not authorized for this node",
        "relaying-elsewhere,        @customer.test,      client not authorized for this node",
        "relaying-elsewhere,        other.test,          allowed",
        "alice,                     customer.test,       allowed",
        "ALICE,                     customer.test,       allowed",
        "bob,                       customer.test,       client not authorized for this node",
        "bob,                       other.test,          allowed",
        "relaying-elsewhere,        #outgoing-smarthost, client not authorized for this node",
        "bob,                       #outgoing-smarthost, allowed",
    })
    void perNodeRules(String who, String node, String expected) throws Exception {
        EtrnPolicy policy = policy(SERVED
            + "<node name=\"@customer.test\"><networks>192.0.2.0/24</networks><users>alice</users></node>"
            + "<node name=\"#outgoing-smarthost\"><users>bob</users></node>");
        Requester client;
        switch (who) {
            case "relaying-in-rule-network":
                client = relaying("192.0.2.10");
                break;
            case "relaying-elsewhere":
                client = relaying("127.0.0.1");
                break;
            default:
                client = user("127.0.0.1", who);
        }

        assertThat(decide(policy, client, node)).isEqualTo(expected);
    }

    @Test
    void anExactRuleAlsoGuardsTheWiderRequests() throws Exception {
        EtrnPolicy policy = policy("<nodes>@customer.test</nodes>"
            + "<node name=\"sub.customer.test\"><users>alice</users></node>");

        assertThat(decide(policy, relaying("127.0.0.1"), "customer.test")).isEqualTo("allowed");
        assertThat(decide(policy, relaying("127.0.0.1"), "sub.customer.test")).isEqualTo(EtrnPolicy.RULE_REFUSED);
        assertThat(decide(policy, relaying("127.0.0.1"), "@customer.test")).isEqualTo(EtrnPolicy.RULE_REFUSED);
    }

    @Test
    void aRuleDoesNotGrantWhatTheClientAuthorizationRefuses() throws Exception {
        EtrnPolicy policy = policy("<nodes>customer.test</nodes><allowRelayingClients>false</allowRelayingClients>"
            + "<allowAuthenticatedUsers>false</allowAuthenticatedUsers>"
            + "<node name=\"customer.test\"><networks>192.0.2.0/24</networks></node>");

        assertThat(decide(policy, stranger("192.0.2.10"), "customer.test")).isEqualTo(EtrnPolicy.CLIENT_NOT_AUTHORIZED);
    }

    @Test
    void aFailingDomainListIsAnError() throws Exception {
        EtrnPolicy policy = policy(SERVED);
        localDomains.fail();

        assertThatThrownBy(() -> policy.decide(relaying("127.0.0.1"), NodeSyntax.parse("customer.test")))
            .isInstanceOf(DomainListException.class);
    }

    @Test
    void configurationErrorsStopTheServer() {
        assertThatThrownBy(() -> policy("<nodes>custo mer.test</nodes>")).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> policy("<nodes>#outgoing</nodes>")).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> policy("<nodes>[192.0.2.1]</nodes>")).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> policy("<node name=\"customer.test\"></node>"))
            .isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> policy("<node name=\"bad..test\"><users>a</users></node>"))
            .isInstanceOf(ConfigurationException.class);
    }
}
