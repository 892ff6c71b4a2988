package org.jamesetrn.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.jamesetrn.release.NodeSyntax;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodePatternTest {
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
        assertThat(NodePattern.parse(pattern).includes(NodeSyntax.parse(requested))).isEqualTo(expected);
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
        assertThat(NodePattern.parse(pattern).overlaps(NodeSyntax.parse(requested))).isEqualTo(expected);
    }
}
