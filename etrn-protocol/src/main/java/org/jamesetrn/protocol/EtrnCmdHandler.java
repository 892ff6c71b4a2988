package org.jamesetrn.protocol;

import java.util.Collection;
import java.util.List;

import javax.inject.Inject;

import org.apache.james.protocols.api.Request;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.api.handler.CommandHandler;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.core.esmtp.EhloExtension;
import org.apache.james.protocols.smtp.SMTPResponse;
import org.jamesetrn.release.DeferredMailRelease;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;

/** FOUNDATION PLACEHOLDER, replaced by the ETRN command (issue 3): advertises ETRN, answers 458. */
public class EtrnCmdHandler implements CommandHandler<SMTPSession>, EhloExtension {
    private final DeferredMailRelease release;

    @Inject
    public EtrnCmdHandler(DeferredMailRelease release) {
        this.release = release;
    }

    @Override
    public Response onCommand(SMTPSession session, Request request) {
        return new SMTPResponse("458", "4.3.0 not implemented yet");
    }

    @Override
    public Collection<String> getImplCommands() {
        return ImmutableSet.of("ETRN");
    }

    @Override
    public List<String> getImplementedEsmtpFeatures(SMTPSession session) {
        return ImmutableList.of("ETRN");
    }
}
