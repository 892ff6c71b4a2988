package org.jamesetrn.protocol;

import javax.inject.Inject;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.RcptHook;
import org.jamesetrn.hold.HoldIntake;

/**
 * RCPT TO for a held domain whose mail the hold cannot store now (its store is down, its last write failed) is answered
 * {@code 451 4.3.0}: the sender's server keeps the mail and tries again later, instead of James answering 250 to a mail
 * that could only wait in its memory; RCPT TO for a held domain at its hold's limit ({@code maxMailsPerNode},
 * {@code maxBytesPerNode}) is answered {@code 452 4.2.2}, and nothing is lost. Every other recipient goes on to the
 * next RCPT hook. It asks the hold what it
 * already knows: nothing is read from a store on the reply path. Listed in smtpserver.xml's handler chain before
 * James's core handlers.
 */
public class HoldIntakeHook implements RcptHook {
    static final String CANNOT_STORE = "4.3.0 Mail for this domain cannot be stored now, try again later";
    static final String FULL = "4.2.2 Mail for this domain is held up to its limit until the site collects it, try again later";

    private final HoldIntake intake;

    @Inject
    public HoldIntakeHook(HoldIntake intake) {
        this.intake = intake;
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress rcpt) {
        switch (intake.intake(rcpt.getDomain().asString())) {
            case CANNOT_STORE_NOW:
                return HookResult.builder()
                    .hookReturnCode(HookReturnCode.denySoft())
                    .smtpReturnCode("451")
                    .smtpDescription(CANNOT_STORE)
                    .build();
            case NODE_FULL:
                return HookResult.builder()
                    .hookReturnCode(HookReturnCode.denySoft())
                    .smtpReturnCode("452")
                    .smtpDescription(FULL)
                    .build();
            case ACCEPT:
            default:
                return HookResult.DECLINED;
        }
    }
}
