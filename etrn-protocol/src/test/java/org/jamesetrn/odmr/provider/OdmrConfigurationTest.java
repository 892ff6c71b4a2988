package org.jamesetrn.odmr.provider;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** conf/odmr.properties and conf/odmr-customers.properties read through James's own PropertiesProvider. */
class OdmrConfigurationTest {
    @TempDir
    Path james;

    private PropertiesProvider write(String file, String properties) throws Exception {
        Files.createDirectories(james.resolve("conf"));
        Files.writeString(james.resolve("conf/" + file + ".properties"), properties, StandardCharsets.ISO_8859_1);
        return provider(james);
    }

    private static PropertiesProvider provider(Path workingDirectory) {
        Configuration.Basic configuration = Configuration.builder().workingDirectory(workingDirectory.toFile()).build();
        return new PropertiesProvider(new FileSystemImpl(configuration.directories()), configuration.configurationPath());
    }

    @Test
    void theShippedFilesListenOnLoopbackAndServeNoCustomer() throws Exception {
        PropertiesProvider shipped = provider(Paths.get(System.getProperty("etrn.repository", "..")));

        OdmrSettings settings = OdmrSettings.load(shipped);
        assertThat(settings.enabled()).isTrue();
        assertThat(settings.bind().getAddress().isLoopbackAddress()).isTrue();
        assertThat(settings.bind().getPort()).isEqualTo(2366);
        assertThat(settings.maxSessions()).isEqualTo(OdmrSettings.DEFAULT_MAX_SESSIONS);
        assertThat(settings.maxSessionsPerAddress()).isEqualTo(OdmrSettings.DEFAULT_MAX_SESSIONS_PER_ADDRESS);
        assertThat(settings.idleTimeout()).isEqualTo(OdmrSettings.DEFAULT_IDLE_TIMEOUT);
        assertThat(settings.authFailurePermits()).isEqualTo(5);
        assertThat(settings.authFailurePeriod()).isEqualTo(Duration.ofMinutes(15));
        assertThat(settings.tls()).isEmpty();
        assertThat(settings.turnaroundTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(settings.turnaroundDataTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(Customers.load(shipped).size()).isZero();
    }

    @Test
    void noFileMeansNoListenerAndNoCustomer() throws Exception {
        assertThat(OdmrSettings.load(provider(james)).enabled()).isFalse();
        assertThat(Customers.load(provider(james)).size()).isZero();
    }

    @Test
    void everyListenerOption() throws Exception {
        OdmrSettings settings = OdmrSettings.load(write("odmr", "bind=[::1]\nhelloName=odmr.provider.test\n"
            + "maxSessions=5\nmaxSessionsPerAddress=1\nidleTimeout=30s\nauthFailures.permits=0\nauthFailures.period=1h\n"
            + "tls.keystore=file://conf/keystore\ntls.keystoreType=JKS\ntls.secret=a,b\ntls.required=true\n"
            + "turnaround.timeout=1m\nturnaround.dataTimeout=2m\n"));

        assertThat(settings.bind().getPort()).isEqualTo(366);
        assertThat(settings.bind().getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(settings.helloName()).isEqualTo("odmr.provider.test");
        assertThat(settings.maxSessions()).isEqualTo(5);
        assertThat(settings.maxSessionsPerAddress()).isEqualTo(1);
        assertThat(settings.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.authFailurePermits()).isZero();
        assertThat(settings.tls().orElseThrow().keyStore()).isEqualTo("file://conf/keystore");
        assertThat(settings.tls().orElseThrow().type()).isEqualTo("JKS");
        assertThat(settings.tls().orElseThrow().secret()).containsExactly('a', ',', 'b');
        assertThat(settings.tls().orElseThrow().required()).isTrue();
        assertThat(settings.turnaroundTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(settings.turnaroundDataTimeout()).isEqualTo(Duration.ofMinutes(2));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "bnd=127.0.0.1:2366|bnd: unknown key",
        "bind=127.0.0.1:port|bind: not an address and port",
        "maxSessions=0|maxSessions: must be at least 1",
        "authFailures.permits=-1|authFailures.permits: must not be negative",
        "idleTimeout=soon|idleTimeout: not a duration",
        "enabled=yes|enabled: true or false",
        "tls.required=true|tls.required: TLS is required but tls.keystore names no key store"})
    void aListenerMistakeNamesItsKey(String properties, String message) {
        assertThatThrownBy(() -> OdmrSettings.load(write("odmr", properties)))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageStartingWith("odmr.properties: " + message);
    }

    @Test
    void customersWithTheirSecretsAndDomains() throws Exception {
        Customers customers = Customers.load(write("odmr-customers", "customers=example.org, site@other.test\n"
            + "customer.example.org.secret=tanstaaf\\, tanstaaf\n"
            + "customer.example.org.domains=Example.org, example.com.\n"
            + "customer.site@other.test.secret=s\n"
            + "customer.site@other.test.domains=other.test\n"));

        Customer example = customers.named("example.org").orElseThrow();
        assertThat(example.secret()).isEqualTo("tanstaaf, tanstaaf");
        assertThat(example.domains()).containsExactly("example.org", "example.com");
        assertThat(customers.named("site@other.test").orElseThrow().domains()).containsExactly("other.test");
        assertThat(customers.named("Example.org")).as("names are exact").isEmpty();
        assertThat(customers.toString()).doesNotContain("tanstaaf");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "customers=a\\ncustomer.a.domains=a.test|customer.a.secret: required",
        "customers=a\\ncustomer.a.secret=s|customer.a.domains: required",
        "customers=a\\ncustomer.a.secret=s\\ncustomer.a.domains=@a.test|customer.a.domains: '@a.test' is not a domain",
        "customers=a, b\\ncustomer.a.secret=s\\ncustomer.a.domains=x.test\\ncustomer.b.secret=t\\ncustomer.b.domains=X.test|customer.b.domains: x.test is listed for customer a already",
        "customers=a\\ncustomer.a.secret=s\\ncustomer.a.domains=a.test\\ncustomer.b.secret=t|customer.b.secret: customer 'b' is not listed",
        "customers=a\\ncustomer.a.secret=s\\ncustomer.a.domains=a.test\\ncustomer.a.password=t|customer.a.password: unknown key",
        "customers=a b|customers: 'a b' is not a customer name"})
    void aCustomerMistakeNamesItsKeyNeverASecret(String properties, String message) {
        assertThatThrownBy(() -> Customers.load(write("odmr-customers", properties.replace("\\n", "\n"))))
            .isInstanceOf(ConfigurationException.class)
            .satisfies(e -> assertThat(e.getMessage()).startsWith("odmr-customers.properties: " + message)
                .doesNotContain("=s").doesNotContain(" s ").doesNotContain("t|"));
    }
}
