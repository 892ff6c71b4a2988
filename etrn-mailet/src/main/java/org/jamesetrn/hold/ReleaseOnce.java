package org.jamesetrn.hold;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First mailet of a hold's release processor: lets one copy of a held mail through at a time, and none once it left
 * the hold. A copy released by ETRN carries its claim. A copy without one (James's WebAdmin reprocess of a hold
 * repository sends the stored mail here) claims the held mail now; if it left the hold for good (delivered, bounced,
 * expired) the copy is dropped; if another attempt is under way, the copy waits {@value #WAIT_SECONDS} s in the spool
 * and comes back here. It is not dropped then: James's reprocess removes the entry after sending the copy, so the copy
 * may be all that is left of the mail if that other attempt fails. Mail that was never held passes untouched.
 */
public class ReleaseOnce extends GenericMailet {
    static final int WAIT_SECONDS = 2;
    private static final Logger LOGGER = LoggerFactory.getLogger(ReleaseOnce.class);

    private final ReleaseClaims claims;

    @Inject
    public ReleaseOnce(ReleaseClaims claims) {
        this.claims = claims;
    }

    @Override
    public String getMailetInfo() {
        return "ReleaseOnce: one delivery attempt at a time per held mail";
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        Optional<String> generation = HeldMail.string(mail, HeldMail.GENERATION);
        if (generation.isEmpty()) {
            return;
        }
        Optional<String> token = HeldMail.string(mail, HeldMail.CLAIM);
        if (token.isPresent() && claims.isHeldBy(generation.get(), token.get())) {
            LOGGER.debug("Held mail {} goes to delivery under claim {}", key(mail), token.get());
            return;
        }
        if (claims.isEnded(generation.get())) {
            LOGGER.info("Dropping a copy of held mail {}: it left the hold already", key(mail));
            mail.setState(Mail.GHOST);
            return;
        }
        String claim = UUID.randomUUID().toString();
        if (claims.claim(generation.get(), claim)) {
            HeldMail.set(mail, HeldMail.CLAIM, claim);
            LOGGER.debug("Held mail {} goes to delivery under claim {} (a copy without a live claim)", key(mail), claim);
            return;
        }
        LOGGER.info("A copy of held mail {} waits {} s: another attempt to deliver it is under way", key(mail),
            Duration.ofSeconds(WAIT_SECONDS).toSeconds());
        mail.removeAttribute(HeldMail.CLAIM);
        getMailetContext().sendMail(mail, mail.getState(), WAIT_SECONDS, TimeUnit.SECONDS);
        mail.setState(Mail.GHOST);
    }

    private static String key(Mail mail) {
        return HeldMail.string(mail, HeldMail.KEY).orElse(mail.getName());
    }
}
