package org.jamesetrn.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.jamesetrn.hold.HoldIntake;
import org.junit.jupiter.api.Test;

class HoldIntakeHookTest {
    private final HoldIntakeHook hook = new HoldIntakeHook(domain -> domain.equalsIgnoreCase("down.test")
        ? HoldIntake.Verdict.CANNOT_STORE_NOW
        : domain.equalsIgnoreCase("full.test") ? HoldIntake.Verdict.NODE_FULL : HoldIntake.Verdict.ACCEPT);

    @Test
    void aHeldDomainWhoseMailCannotBeStoredNowIsRefusedForNow() throws Exception {
        HookResult result = hook.doRcpt(null, MaybeSender.nullSender(), new MailAddress("a@Down.test"));

        assertThat(result.getSmtpRetCode()).isEqualTo("451");
        assertThat(result.getSmtpDescription()).startsWith("4.3.0");
        assertThat(result.getResult().getAction()).isEqualTo(org.apache.james.protocols.smtp.hook.HookReturnCode.Action.DENYSOFT);
    }

    @Test
    void aHeldDomainAtItsLimitIsRefusedForNow() throws Exception {
        HookResult result = hook.doRcpt(null, MaybeSender.nullSender(), new MailAddress("a@full.test"));

        assertThat(result.getSmtpRetCode()).isEqualTo("452");
        assertThat(result.getSmtpDescription()).startsWith("4.2.2");
    }

    @Test
    void anyOtherRecipientGoesOnToTheNextHook() throws Exception {
        assertThat(hook.doRcpt(null, MaybeSender.nullSender(), new MailAddress("a@up.test"))).isEqualTo(HookResult.DECLINED);
    }
}
