package org.jamesetrn.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;

import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.protocols.api.BaseRequest;
import org.apache.james.protocols.api.Response;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.RecordingRelease;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Thousands of generated hostile ETRN arguments, sent by a client the policy trusts for everything: each gets a 5xx
 * reply, nothing is released, nothing is thrown. And any string at all gets an ETRN reply, never an exception.
 */
class HostileArgumentPropertiesTest {
    private static final String SERVE_ALL = "<nodes>@test, @example, @invalid, @localhost</nodes>"
        + "<queues>outgoing, outgoing-smarthost</queues><rateLimit><permits>0</permits></rateLimit>";

    private static final Pattern WELL_FORMED_DOMAIN_NODE = Pattern.compile(
        "@?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.?");

    private final RecordingRelease release = new RecordingRelease();
    private final EtrnCmdHandler handler = handler();

    private EtrnCmdHandler handler() {
        try {
            EtrnCmdHandler created = new EtrnCmdHandler(release, new FixedDomainList("relay.local"),
                new LiteralDnsService(), new RecordingMetricFactory(), new ManualTicker());
            created.init(TestConfigurations.handler(SERVE_ALL));
            return created;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Response etrn(String argument) {
        return handler.onCommand(TestSessions.afterEhlo("127.0.0.1", true), new BaseRequest("ETRN", argument));
    }

    @Property(tries = 5000)
    void hostileArgumentsGetA5xxAndReleaseNothing(@ForAll("hostile") String argument) {
        Response response = etrn(argument);

        assertThat(response.getRetCode()).isEqualTo("501");
        assertThat(response.isEndSession()).isFalse();
        assertThat(release.released()).isEmpty();
    }

    @Property(tries = 3000)
    void anyArgumentGetsAnEtrnReply(@ForAll("anything") String argument) {
        Response response = etrn(argument);

        assertThat(response.getRetCode()).isIn("250", "251", "252", "253", "458", "459", "501");
        if (response.getRetCode().startsWith("5")) {
            assertThat(release.released()).isEmpty();
        }
    }

    @Property(tries = 1000)
    void wellFormedDomainsReachTheRelease(@ForAll("domains") String domain) {
        release.released().clear();

        assertThat(etrn(domain + ".test").getRetCode()).isEqualTo("251");
        assertThat(release.released()).containsExactly(Node.domain(domain + ".test"));
    }

    @Provide
    Arbitrary<String> anything() {
        return Arbitraries.oneOf(
            Arbitraries.strings().all().ofMaxLength(300),
            Arbitraries.strings().withChars("abc.-@#[]:_ \t\r\n\u0000\u00e9").ofMaxLength(40));
    }

    @Provide
    Arbitrary<String> domains() {
        Arbitrary<String> label = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars('-')
            .ofMinLength(1).ofMaxLength(63)
            .filter(l -> !l.startsWith("-") && !l.endsWith("-"));
        return label.list().ofMinSize(1).ofMaxSize(3).map(labels -> String.join(".", labels));
    }

    @Provide
    Arbitrary<String> hostile() {
        Arbitrary<String> valid = Arbitraries.of("customer.test", "@customer.test", "#outgoing", "a.b.test",
            "xn--bcher-kva.test", "@test");
        Arbitrary<Character> forbidden = Arbitraries.oneOf(
            Arbitraries.chars().range('\u0000', '\u0020'),
            Arbitraries.of('\u007f', '<', '>', '"', '\\', '/', '%', '!', '$', '*', '(', ')', '[', ']', ':', ';', '=',
                '?', '_', ',', '\'', '`', '{', '}', '|', '~', '+', '&', '^'),
            Arbitraries.chars().range('\u0080', '\uffff'));
        Arbitrary<String> withForbiddenChar = Combinators.combine(valid, forbidden, Arbitraries.integers().between(0, 40))
            .as((node, bad, at) -> insert(node, at, String.valueOf(bad)))
            // '_', '.', '-' are fine inside a queue name: keep only what no node may contain.
            .filter(s -> !(s.startsWith("#") && s.substring(1).matches("[A-Za-z0-9][A-Za-z0-9._-]*")));
        Arbitrary<String> overLong = Arbitraries.strings().withCharRange('a', 'z').withChars('.')
            .ofMinLength(258).ofMaxLength(10_000);
        Arbitrary<String> bareSigils = Arbitraries.of("@", "#", "@.", "#.", "@@", "##", "@#", "#@", ".", "..", "-");
        Arbitrary<String> badLabels = Combinators.combine(valid.filter(v -> !v.startsWith("#")),
                Arbitraries.of("..", ".-", "-.", ".", "-"), Arbitraries.integers().between(0, 20))
            .as((node, bad, at) -> insert(node, at, bad))
            .filter(s -> !isWellFormedDomainNode(s));
        Arbitrary<String> twoArguments = Combinators.combine(valid, Arbitraries.of(" ", "  ", "\t", " \r\n"), valid)
            .as((a, sep, b) -> a + sep + b);
        Arbitrary<String> literals = Arbitraries.of("[192.0.2.1]", "[IPv6:2001:db8::1]", "192.0.2.1", "@[10.0.0.1]",
            "10.0.0.1.", "[customer.test]", "customer.123");
        Arbitrary<String> longLabel = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(64).ofMaxLength(250)
            .map(label -> label + ".test");
        return Arbitraries.oneOf(withForbiddenChar, overLong, bareSigils, badLabels, twoArguments, literals, longLabel,
            Arbitraries.just(""), Arbitraries.just(null));
    }

    private static String insert(String node, int at, String inserted) {
        int position = Math.min(at, node.length());
        return node.substring(0, position) + inserted + node.substring(position);
    }

    /** An oracle independent of NodeSyntax: RFC 5321 LDH labels, last one starting with a letter, one root dot. */
    private static boolean isWellFormedDomainNode(String s) {
        return WELL_FORMED_DOMAIN_NODE.matcher(s).matches();
    }
}
