package org.jamesetrn.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.james.core.Domain;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which mail a node names, compared between nodes: served nodes and per-node rules of the ETRN policy rest on it. */
class NodeTest {
    @ParameterizedTest(name = "{0} includes {1}: {2}")
    @CsvSource({
        "customer.test,      customer.test,        true",
        "customer.test,      CUSTOMER.test.,       true",
        "customer.test,      sub.customer.test,    false",
        "customer.test,      @customer.test,       false",
        "customer.test,      other.test,           false",
        "@customer.test,     customer.test,        true",
        "@customer.test,     sub.customer.test,    true",
        "@customer.test,     a.b.customer.test,    true",
        "@customer.test,     @customer.test,       true",
        "@customer.test,     @sub.customer.test,   true",
        "@customer.test,     @test,                false",
        "@customer.test,     xcustomer.test,       false",
        "@customer.test,     customer.test.evil,   false",
        "@customer.test,     #customer.test,       false",
        "#outgoing,          #outgoing,            true",
        "#outgoing,          #outgoing-smarthost,  false",
        "#outgoing,          outgoing,             false",
    })
    void includes(String pattern, String requested, boolean expected) throws Exception {
        assertThat(NodeSyntax.parse(pattern.trim()).includes(NodeSyntax.parse(requested))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} overlaps {1}: {2}")
    @CsvSource({
        "customer.test,      customer.test,        true",
        "customer.test,      @customer.test,       true",
        "customer.test,      @test,                true",
        "customer.test,      sub.customer.test,    false",
        "customer.test,      @sub.customer.test,   false",
        "@customer.test,     sub.customer.test,    true",
        "@customer.test,     @test,                true",
        "@customer.test,     @sub.customer.test,   true",
        "@customer.test,     other.test,           false",
        "@customer.test,     #customer.test,       false",
        "#outgoing,          #outgoing,            true",
        "#outgoing,          @outgoing,            false",
    })
    void overlaps(String pattern, String requested, boolean expected) throws Exception {
        assertThat(NodeSyntax.parse(pattern.trim()).overlaps(NodeSyntax.parse(requested))).isEqualTo(expected);
        assertThat(NodeSyntax.parse(requested).overlaps(NodeSyntax.parse(pattern.trim()))).as("symmetric").isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} covers {1}: {2}")
    @CsvSource({
        "customer.test,      customer.test,        true",
        "customer.test,      sub.customer.test,    false",
        "@customer.test,     customer.test,        true",
        "@customer.test,     a.b.customer.test,    true",
        "@customer.test,     xcustomer.test,       false",
        "@customer.test,     test,                 false",
        "#customer.test,     customer.test,        false",
    })
    void covers(String node, String recipientDomain, boolean expected) throws Exception {
        assertThat(NodeSyntax.parse(node.trim()).covers(Domain.of(recipientDomain))).isEqualTo(expected);
    }
}
