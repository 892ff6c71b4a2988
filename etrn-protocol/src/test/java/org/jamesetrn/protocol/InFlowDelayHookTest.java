package org.jamesetrn.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.junit.jupiter.api.Test;

class InFlowDelayHookTest {
    private final AtomicInteger counts = new AtomicInteger();
    private final InFlowDelayHook hook = new InFlowDelayHook(() -> {
        counts.incrementAndGet();
        return 0;
    });

    @Test
    void aMailIsNeverRefusedOnlyPaced() throws Exception {
        hook.init(config("1s", "100"));

        assertThat(hook.doMail(null, MaybeSender.nullSender())).isEqualTo(HookResult.DECLINED);
        assertThat(counts).hasValue(1);
    }

    @Test
    void aDelayOfZeroTurnsItOff() throws Exception {
        hook.init(config("0", "100"));

        assertThat(hook.doMail(null, MaybeSender.nullSender())).isEqualTo(HookResult.DECLINED);
        assertThat(counts).hasValue(0);
    }

    @Test
    void badValuesStopJamesWithTheOptionNamed() {
        assertThatThrownBy(() -> hook.init(config("soon", "100")))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("<inFlowDelay>");
        assertThatThrownBy(() -> hook.init(config("1s", "-1")))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("<spoolBacklog>");
        assertThatThrownBy(() -> hook.init(config("1s", "many")))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("<spoolBacklog>");
    }

    private static BaseHierarchicalConfiguration config(String delay, String backlog) {
        BaseHierarchicalConfiguration config = new BaseHierarchicalConfiguration();
        config.addProperty("inFlowDelay", delay);
        config.addProperty("spoolBacklog", backlog);
        return config;
    }
}
