package org.jamesetrn.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.apache.james.core.Username;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.protocols.api.BaseRequest;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.RecordingRelease;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import com.google.common.net.InetAddresses;

class EtrnAuditTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger(EtrnAudit.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final RecordingMetricFactory metrics = new RecordingMetricFactory();
    private Level previousLevel;

    @BeforeEach
    void attach() {
        previousLevel = logger.getLevel();
        logger.setLevel(Level.INFO);
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(appender);
        logger.setLevel(previousLevel);
    }

    @Test
    void oneInfoLineWithClientUserNodeDecisionAndCountInTheMdc() {
        Requester client = new Requester(InetAddresses.forString("192.0.2.7"), false,
            Optional.of(Username.of("alice")));

        new EtrnAudit(metrics).record(client, EtrnAnswer.counted(EtrnOutcome.STARTED, Node.domainAndSubdomains("customer.test"), 3));

        assertThat(appender.list).hasSize(1);
        ILoggingEvent event = appender.list.get(0);
        assertThat(event.getLevel()).isEqualTo(Level.INFO);
        assertThat(event.getFormattedMessage())
            .isEqualTo("ETRN from 192.0.2.7 user alice node @customer.test: started, 3 deferred mails");
        assertThat(event.getMDCPropertyMap())
            .containsEntry("ip", "192.0.2.7")
            .containsEntry("user", "alice")
            .containsEntry("action", "ETRN")
            .containsEntry("protocol", "SMTP")
            .containsEntry("etrn.node", "@customer.test")
            .containsEntry("etrn.decision", "STARTED");
        assertThat(metrics.countFor("etrn_started")).isEqualTo(1);
    }

    @Test
    void theHandlerLogsEachEtrnOnce() throws Exception {
        EtrnCmdHandler handler = new EtrnCmdHandler(new RecordingRelease().startingCount(2),
            new FixedDomainList("relay.local"), new LiteralDnsService(), metrics, new ManualTicker());
        handler.init(TestConfigurations.handler(EtrnCmdHandlerTest.DEMO));

        handler.onCommand(TestSessions.afterEhlo("127.0.0.1", true),
            new BaseRequest("ETRN", "customer.test"));
        handler.onCommand(TestSessions.afterEhlo("127.0.0.1", true),
            new BaseRequest("ETRN", "bad..node"));

        assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
            "ETRN from 127.0.0.1 user - node customer.test: started, 2 deferred mails",
            "ETRN from 127.0.0.1 user -: syntax error (empty label in domain)");
    }
}
