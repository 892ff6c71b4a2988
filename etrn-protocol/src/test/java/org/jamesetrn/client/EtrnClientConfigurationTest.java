package org.jamesetrn.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;

import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.server.core.configuration.Configuration;
import org.apache.james.server.core.filesystem.FileSystemImpl;
import org.apache.james.utils.PropertiesProvider;
import org.jamesetrn.node.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** conf/etrn-client.properties read through James's own PropertiesProvider, as James reads it. */
class EtrnClientConfigurationTest {
    private static final String PROVIDER = "relays=provider\n"
        + "relay.provider.host=mx.provider.test\n"
        + "relay.provider.nodes=customer.test\n";

    @TempDir
    Path james;

    private EtrnClientConfiguration read(String properties) throws Exception {
        Files.createDirectories(james.resolve("conf"));
        Files.writeString(james.resolve("conf/etrn-client.properties"), properties, StandardCharsets.ISO_8859_1);
        return load(james);
    }

    private static EtrnClientConfiguration load(Path workingDirectory) throws ConfigurationException {
        Configuration.Basic configuration = Configuration.builder()
            .workingDirectory(workingDirectory.toFile())
            .build();
        return EtrnClientConfiguration.load(new PropertiesProvider(new FileSystemImpl(configuration.directories()),
            configuration.configurationPath()));
    }

    @Test
    void theShippedFileListsNoRelayAndStatesTheDefaults() throws Exception {
        EtrnClientConfiguration shipped = load(Paths.get(System.getProperty("etrn.repository", "..")));

        assertThat(shipped.relays()).isEmpty();
        assertThat(shipped.interval()).isEmpty();
        assertThat(shipped.timeout()).isEqualTo(EtrnClientConfiguration.DEFAULT_TIMEOUT);
        assertThat(shipped.ehloName()).isEmpty();
        assertThat(shipped.backoff().attempts()).isEqualTo(5);
        assertThat(shipped.backoff().firstDelay()).isEqualTo(Duration.ofMinutes(1));
        assertThat(shipped.backoff().maxDelay()).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void noFileMeansNoRelay() throws Exception {
        assertThat(load(james).relays()).isEmpty();
    }

    @Test
    void aRelayWithItsDefaults() throws Exception {
        UpstreamRelay relay = read(PROVIDER).relays().get(0);

        assertThat(relay.name()).isEqualTo("provider");
        assertThat(relay.host()).isEqualTo("mx.provider.test");
        assertThat(relay.port()).isEqualTo(25);
        assertThat(relay.startTls()).isEqualTo(StartTls.OPPORTUNISTIC);
        assertThat(relay.credentials()).isEmpty();
        assertThat(relay.nodes()).containsExactly(Node.domain("customer.test"));
    }

    @Test
    void everyOption() throws Exception {
        EtrnClientConfiguration configuration = read("relays=provider, backup\n"
            + "relay.provider.host=mx.provider.test\n"
            + "relay.provider.port=2525\n"
            + "relay.provider.starttls=off\n"
            + "relay.provider.nodes=Customer.TEST, @customer.test., #customer-queue\n"
            + "relay.backup.host=2001:db8::1\n"
            + "relay.backup.auth.user=site@customer.test\n"
            + "relay.backup.auth.password=pass\n"
            + "relay.backup.nodes=customer.test\n"
            + "interval=30m\n"
            + "timeout=20s\n"
            + "ehloName=site.customer.test\n"
            + "retry.attempts=3\n"
            + "retry.firstDelay=10s\n"
            + "retry.maxDelay=30s\n");

        assertThat(configuration.relays()).extracting(UpstreamRelay::name).containsExactly("provider", "backup");
        UpstreamRelay provider = configuration.relays().get(0);
        assertThat(provider.port()).isEqualTo(2525);
        assertThat(provider.startTls()).isEqualTo(StartTls.OFF);
        assertThat(provider.nodes()).containsExactly(Node.domain("customer.test"),
            Node.domainAndSubdomains("customer.test"), Node.queue("customer-queue"));
        UpstreamRelay backup = configuration.relays().get(1);
        assertThat(backup.address()).isEqualTo("[2001:db8::1]:25");
        assertThat(backup.credentials()).hasValueSatisfying(credentials -> {
            assertThat(credentials.user()).isEqualTo("site@customer.test");
            assertThat(credentials.password()).isEqualTo("pass");
        });
        assertThat(backup.startTls()).as("the default with a password to protect").isEqualTo(StartTls.REQUIRED);
        assertThat(configuration.interval()).contains(Duration.ofMinutes(30));
        assertThat(configuration.timeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(configuration.ehloName()).contains("site.customer.test");
        assertThat(configuration.backoff().attempts()).isEqualTo(3);
        assertThat(configuration.backoff().delayAfter(1)).isEqualTo(Duration.ofSeconds(10));
        assertThat(configuration.backoff().delayAfter(2)).isEqualTo(Duration.ofSeconds(20));
        assertThat(configuration.backoff().delayAfter(3)).isEqualTo(Duration.ofSeconds(30));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "a,b|a,b",
        "a\\,b\\, c|a,b, c",
        "back\\\\slash|back\\slash"})
    void aPasswordWithCommasSurvivesJamesListSplitting(String written, String password) throws Exception {
        UpstreamRelay relay = read(PROVIDER + "relay.provider.auth.user=site\n"
            + "relay.provider.auth.password=" + written + "\n").relays().get(0);

        assertThat(relay.credentials().map(Credentials::password)).contains(password);
    }

    @Test
    void theCredentialsNeverPrintTheirPassword() throws Exception {
        EtrnClientConfiguration configuration = read(PROVIDER + "relay.provider.auth.user=site\n"
            + "relay.provider.auth.password=s3cret-Pa55\n");

        UpstreamRelay relay = configuration.relays().get(0);
        assertThat(relay.toString()).isEqualTo("provider (mx.provider.test:25)");
        assertThat(relay.credentials().orElseThrow().toString()).isEqualTo("AUTH user site").doesNotContain("s3cret");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "relays=provider|relay.provider.host: required",
        "relays=provider\\nrelay.provider.host=mx.provider.test|relay.provider.*: a relay needs at least one node",
        "relays=provider\\nrelay.provider.host=h\\nrelay.provider.nodes=a..b|relay.provider.nodes: 'a..b' is not an ETRN node",
        "relays=provider\\nrelay.provider.host=h\\nrelay.provider.nodes=c.test\\nrelay.provider.starttls=yes|relay.provider.starttls: expected required, opportunistic or off",
        "relays=provider\\nrelay.provider.host=h\\nrelay.provider.nodes=c.test\\nrelay.provider.startls=off|relay.provider.startls: unknown key",
        "relays=provider\\nrelay.provider.host=h\\nrelay.provider.nodes=c.test\\nrelay.provider.auth.user=u|relay.provider.auth.user: AUTH needs both",
        "relays=provider\\nrelay.provider.host=h\\nrelay.provider.nodes=c.test\\nrelay.provider.port=x|relay.provider.port: not a number",
        "relays=provider\\nrelay.provider.host=h\\nrelay.provider.nodes=c.test\\nrelay.provider.port=70000|relay.provider.*: port out of range",
        "relays=\\nrelay.other.host=h|relay.other.host: relay 'other' is not listed in 'relays'",
        "relays=a b|relays: 'a b' is not a relay name",
        "intervall=1h|intervall: unknown key",
        "interval=soon|interval: not a duration",
        "interval=0s|interval: must be positive",
        "retry.attempts=0|retry.*: at least one attempt",
        "retry.firstDelay=10m\\nretry.maxDelay=1m|retry.*: the longest delay must not be shorter than the first",
        "relays=p\\nrelay.p.host=h\\nrelay.p.nodes=c.test\\nrelay.p.protocol=atrn|relay.p.protocol: expected etrn or odmr",
        "relays=p\\nrelay.p.host=h\\nrelay.p.nodes=c.test\\nrelay.p.protocol=odmr|relay.p.auth.user: required with protocol=odmr",
        "relays=p\\nrelay.p.host=h\\nrelay.p.nodes=@c.test\\nrelay.p.protocol=odmr\\nrelay.p.auth.user=u\\nrelay.p.auth.password=s|relay.p.nodes: '@c.test' is not a domain: ATRN takes domains",
        "relays=p\\nrelay.p.host=h\\nrelay.p.nodes=c.test\\nrelay.p.deliverTo=127.0.0.1:25|relay.p.deliverTo: only for protocol=odmr",
        "relays=p\\nrelay.p.host=h\\nrelay.p.nodes=c.test\\nrelay.p.protocol=odmr\\nrelay.p.auth.user=u\\nrelay.p.auth.password=s\\nrelay.p.deliverTo=localhost|relay.p.deliverTo: host:port"})
    void aMistakeNamesItsKey(String properties, String message) {
        assertThatThrownBy(() -> read(properties.replace("\\n", "\n")))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageStartingWith("etrn-client.properties: " + message);
    }

    @Test
    void anOdmrRelayAsksByAtrnOnPort366AndDeliversToThisJamesUnlessTold() throws Exception {
        EtrnClientConfiguration configuration = read("relays=odmr, gateway\n"
            + "relay.odmr.protocol=odmr\n"
            + "relay.odmr.host=odmr.provider.test\n"
            + "relay.odmr.auth.user=customer.test\n"
            + "relay.odmr.auth.password=a secret\\, with a comma\n"
            + "relay.odmr.nodes=Customer.test, customer.example.\n"
            + "relay.gateway.protocol=ODMR\n"
            + "relay.gateway.host=odmr.provider.test\n"
            + "relay.gateway.port=2366\n"
            + "relay.gateway.starttls=off\n"
            + "relay.gateway.auth.user=customer.test\n"
            + "relay.gateway.auth.password=s\n"
            + "relay.gateway.nodes=customer.test\n"
            + "relay.gateway.deliverTo=192.0.2.1:2525\n");

        UpstreamRelay odmr = configuration.relays().get(0);
        assertThat(odmr.protocol()).isEqualTo(RelayProtocol.ODMR);
        assertThat(odmr.port()).isEqualTo(366);
        assertThat(odmr.startTls()).isEqualTo(StartTls.REQUIRED);
        assertThat(odmr.credentials().orElseThrow().password()).isEqualTo("a secret, with a comma");
        assertThat(odmr.nodes()).containsExactly(Node.domain("customer.test"), Node.domain("customer.example"));
        assertThat(odmr.deliverTo()).isEmpty();
        UpstreamRelay gateway = configuration.relays().get(1);
        assertThat(gateway.port()).isEqualTo(2366);
        assertThat(gateway.deliverTo().orElseThrow().toString()).isEqualTo("192.0.2.1:2525");
        assertThat(gateway.startTls()).as("CRAM-MD5 never sends the secret: no auth.plaintext needed").isEqualTo(StartTls.OFF);
        assertThat(read(PROVIDER).relays().get(0).protocol()).isEqualTo(RelayProtocol.ETRN);
    }

    @ParameterizedTest(name = "starttls={0}")
    @CsvSource({"off", "opportunistic"})
    void aPasswordThatCouldCrossInClearStopsTheStartUpNamingTheRelayAndTheOption(String startTls) {
        assertThatThrownBy(() -> read(PROVIDER + "relay.provider.auth.user=site\nrelay.provider.auth.password=p\n"
            + "relay.provider.starttls=" + startTls + "\n"))
            .isInstanceOf(ConfigurationException.class)
            .hasMessage("etrn-client.properties: relay.provider.starttls: " + startTls + " could send the AUTH password "
                + "for relay 'provider' in clear: set relay.provider.starttls=required, or "
                + "relay.provider.auth.plaintext=allowed if the path to the relay is trusted (loopback, a tunnel)");
    }

    @ParameterizedTest(name = "starttls={0}")
    @CsvSource({"off, OFF", "opportunistic, OPPORTUNISTIC"})
    void anExplicitStartTlsWinsOverTheDefaultOfAuthWhenPlainTextIsAllowed(String written, StartTls startTls)
        throws Exception {
        UpstreamRelay relay = read(PROVIDER + "relay.provider.auth.user=site\nrelay.provider.auth.password=p\n"
            + "relay.provider.starttls=" + written + "\nrelay.provider.auth.plaintext=allowed\n").relays().get(0);

        assertThat(relay.startTls()).isEqualTo(startTls);
        assertThat(relay.credentials()).isPresent();
    }

    @Test
    void requiredStartTlsNeedsNoPermission() throws Exception {
        UpstreamRelay relay = read(PROVIDER + "relay.provider.auth.user=site\nrelay.provider.auth.password=p\n"
            + "relay.provider.starttls=required\n").relays().get(0);

        assertThat(relay.startTls()).isEqualTo(StartTls.REQUIRED);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "relay.provider.auth.plaintext=allowed|relay.provider.auth.plaintext: relay 'provider' has no relay.provider.auth.user",
        "relay.provider.auth.user=u\\nrelay.provider.auth.password=p\\nrelay.provider.starttls=off\\nrelay.provider.auth.plaintext=yes|relay.provider.auth.plaintext: expected allowed"})
    void aMisusedPlainTextPermissionNamesItsKey(String properties, String message) {
        assertThatThrownBy(() -> read(PROVIDER + properties.replace("\\n", "\n") + "\n"))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageStartingWith("etrn-client.properties: " + message);
    }
}
