package org.jamesetrn.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.apache.commons.configuration2.BaseConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.queue.api.MailQueueName;
import org.junit.jupiter.api.Test;

class ReleaseConfigurationTest {
    @Test
    void emptyConfigurationMeansTheOutgoingQueue() throws Exception {
        ReleaseConfiguration configuration = ReleaseConfiguration.from(new BaseConfiguration());

        assertThat(configuration.queues()).containsExactly(MailQueueName.of("outgoing"));
        assertThat(configuration.threads()).isEqualTo(2);
        assertThat(configuration.genericSafetyMargin()).isEqualTo(Duration.ofMinutes(1));
        assertThat(configuration.activeMQPageSize()).isEqualTo(200_000);
    }

    @Test
    void activeMQPageSizeIsReadAndZeroLeavesTheBrokerAlone() throws Exception {
        BaseConfiguration properties = new BaseConfiguration();
        properties.addProperty(ReleaseConfiguration.ACTIVEMQ_PAGE_SIZE, 0);

        assertThat(ReleaseConfiguration.from(properties).activeMQPageSize()).isZero();
    }

    @Test
    void negativeActiveMQPageSizeIsRejected() {
        BaseConfiguration properties = new BaseConfiguration();
        properties.addProperty(ReleaseConfiguration.ACTIVEMQ_PAGE_SIZE, -1);

        assertThatThrownBy(() -> ReleaseConfiguration.from(properties))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining(ReleaseConfiguration.ACTIVEMQ_PAGE_SIZE);
    }

    @Test
    void queuesAreACommaSeparatedList() throws Exception {
        BaseConfiguration properties = new BaseConfiguration();
        properties.addProperty(ReleaseConfiguration.QUEUES, " outgoing , outgoing-smarthost,,outgoing");
        properties.addProperty(ReleaseConfiguration.THREADS, 4);
        properties.addProperty(ReleaseConfiguration.GENERIC_SAFETY_MARGIN, 120);

        ReleaseConfiguration configuration = ReleaseConfiguration.from(properties);

        assertThat(configuration.queues())
            .containsExactly(MailQueueName.of("outgoing"), MailQueueName.of("outgoing-smarthost"));
        assertThat(configuration.threads()).isEqualTo(4);
        assertThat(configuration.genericSafetyMargin()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void nonPositiveThreadsAreRejected() {
        BaseConfiguration properties = new BaseConfiguration();
        properties.addProperty(ReleaseConfiguration.THREADS, 0);

        assertThatThrownBy(() -> ReleaseConfiguration.from(properties))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining(ReleaseConfiguration.THREADS);
    }

    @Test
    void theHoldsDispatchingThreadsAreReadAndMustBePositive() throws Exception {
        assertThat(ReleaseConfiguration.from(new BaseConfiguration()).holdDispatchThreads()).isEqualTo(32);
        BaseConfiguration properties = new BaseConfiguration();
        properties.addProperty(ReleaseConfiguration.HOLD_DISPATCH_THREADS, 64);
        assertThat(ReleaseConfiguration.from(properties).holdDispatchThreads()).isEqualTo(64);

        properties.setProperty(ReleaseConfiguration.HOLD_DISPATCH_THREADS, 0);
        assertThatThrownBy(() -> ReleaseConfiguration.from(properties))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining(ReleaseConfiguration.HOLD_DISPATCH_THREADS);
    }

    @Test
    void theFormerQueuesKeyStopsStartUpWithWhatToChange() {
        BaseConfiguration properties = new BaseConfiguration();
        properties.addProperty("queues", "outgoing");

        assertThatThrownBy(() -> ReleaseConfiguration.from(properties))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("'queues' is now 'release.queues'")
            .hasMessageContaining("<queues> of the ETRN handler in smtpserver.xml");
    }
}
