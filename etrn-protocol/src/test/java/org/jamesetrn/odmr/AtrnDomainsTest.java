package org.jamesetrn.odmr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jamesetrn.node.InvalidNodeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AtrnDomainsTest {
    @Test
    void noArgumentIsEveryDomainOfTheCustomer() throws Exception {
        assertThat(AtrnDomains.parse(null)).isEmpty();
        assertThat(AtrnDomains.parse("  ")).isEmpty();
    }

    @Test
    void domainsInOrderLowerCaseWithoutRepeatsOrRootDot() throws Exception {
        assertThat(AtrnDomains.parse("Example.ORG,example.com., example.org"))
            .containsExactly("example.org", "example.com");
        assertThat(AtrnDomains.asArgument(AtrnDomains.parse("a.test , b.test"))).isEqualTo("a.test,b.test");
    }

    @ParameterizedTest
    @ValueSource(strings = {"#outgoing", "@example.org", "a.test,,b.test", ",a.test", "[192.0.2.1]", "a..b", "a.test b.test",
        "caf\u00e9.test", "-a.test", "192.0.2.1"})
    void anythingButDomainsIsASyntaxError(String argument) {
        assertThatThrownBy(() -> AtrnDomains.parse(argument)).isInstanceOf(InvalidNodeException.class);
    }

    @Test
    void atMostAHundredDomains() {
        StringBuilder distinct = new StringBuilder();
        for (int i = 0; i <= AtrnDomains.MAX_DOMAINS; i++) {
            distinct.append(i == 0 ? "" : ",").append("d").append(i).append(".test");
        }
        assertThatThrownBy(() -> AtrnDomains.parse(distinct.toString())).hasMessageContaining("more than 100");
    }
}
