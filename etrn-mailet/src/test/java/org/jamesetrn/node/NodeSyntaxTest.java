package org.jamesetrn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.google.common.base.Strings;

class NodeSyntaxTest {
    private static final String LABEL_63 = Strings.repeat("a", 63);
    // 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 characters, the longest domain.
    private static final String DOMAIN_253 = LABEL_63 + "." + LABEL_63 + "." + LABEL_63 + "." + Strings.repeat("b", 61);

    static Stream<Arguments> nodes() {
        return Stream.of(
            Arguments.of("customer.test", Node.domain("customer.test")),
            Arguments.of("Customer.TEST", Node.domain("customer.test")),
            Arguments.of("customer.test.", Node.domain("customer.test")),
            Arguments.of("localhost", Node.domain("localhost")),
            Arguments.of("a-b.c0.test", Node.domain("a-b.c0.test")),
            Arguments.of("0day.test", Node.domain("0day.test")),
            Arguments.of("xn--bcher-kva.test", Node.domain("xn--bcher-kva.test")),
            Arguments.of(LABEL_63 + ".test", Node.domain(LABEL_63 + ".test")),
            Arguments.of(DOMAIN_253, Node.domain(DOMAIN_253)),
            Arguments.of(DOMAIN_253 + ".", Node.domain(DOMAIN_253)),
            Arguments.of("@customer.test", Node.domainAndSubdomains("customer.test")),
            Arguments.of("@Customer.Test.", Node.domainAndSubdomains("customer.test")),
            Arguments.of("@test", Node.domainAndSubdomains("test")),
            Arguments.of("#outgoing-smarthost", Node.queue("outgoing-smarthost")),
            Arguments.of("#Queue_1.b", Node.queue("Queue_1.b")),
            Arguments.of("#" + Strings.repeat("q", 255), Node.queue(Strings.repeat("q", 255))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nodes")
    void parsesNodes(String argument, Node expected) throws Exception {
        assertThat(NodeSyntax.parse(argument)).isEqualTo(expected);
    }

    static Stream<Arguments> syntaxErrors() {
        return Stream.of(
            Arguments.of("no argument", null),
            Arguments.of("empty", ""),
            Arguments.of("two arguments", "customer.test other.test"),
            Arguments.of("leading space", " customer.test"),
            Arguments.of("tab", "customer.test\tx"),
            Arguments.of("NUL", "customer\u0000.test"),
            Arguments.of("CR LF smuggled command", "customer.test\r\nMAIL FROM:<a@b.test>"),
            Arguments.of("DEL", "customer\u007f.test"),
            Arguments.of("8-bit", "b\u00fccher.test"),
            Arguments.of("replacement character", "b\ufffdcher.test"),
            Arguments.of("10000 characters", Strings.repeat("a", 10_000)),
            Arguments.of("254 characters", DOMAIN_253 + "b"),
            Arguments.of("label of 64", Strings.repeat("a", 64) + ".test"),
            Arguments.of("at alone", "@"),
            Arguments.of("hash alone", "#"),
            Arguments.of("at dot", "@."),
            Arguments.of("dot alone", "."),
            Arguments.of("double dot", "customer..test"),
            Arguments.of("two trailing dots", "customer.test.."),
            Arguments.of("leading dot", ".customer.test"),
            Arguments.of("leading hyphen", "-customer.test"),
            Arguments.of("trailing hyphen", "customer-.test"),
            Arguments.of("underscore", "cust_omer.test"),
            Arguments.of("at at", "@@customer.test"),
            Arguments.of("at hash", "@#queue"),
            Arguments.of("hash at", "#@customer.test"),
            Arguments.of("address", "user@customer.test"),
            Arguments.of("IPv4 literal", "[192.0.2.1]"),
            Arguments.of("IPv6 literal", "[IPv6:2001:db8::1]"),
            Arguments.of("bare IPv4", "192.0.2.1"),
            Arguments.of("numeric top-level", "customer.123"),
            Arguments.of("angle brackets", "<customer.test>"),
            Arguments.of("queue with slash", "#../../etc"),
            Arguments.of("queue with colon", "#a:b"),
            Arguments.of("queue dot", "#."),
            Arguments.of("queue dot dot", "#.."),
            Arguments.of("queue starting with hyphen", "#-outgoing"),
            Arguments.of("queue of 256", "#" + Strings.repeat("q", 256)),
            Arguments.of("percent hack", "customer.test%other.test"),
            Arguments.of("comma list", "customer.test,other.test"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("syntaxErrors")
    void refusesMalformedArguments(String description, String argument) {
        assertThatThrownBy(() -> NodeSyntax.parse(argument)).isInstanceOf(InvalidNodeException.class);
    }

    @Test
    void reasonNeverEchoesTheInput() {
        assertThatThrownBy(() -> NodeSyntax.parse("evil\u0000<script>.test"))
            .isInstanceOf(InvalidNodeException.class)
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("evil").doesNotContain("script"));
    }
}
