package org.jamesetrn.hold;

import java.util.Optional;
import java.util.UUID;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First mailet of a hold's release processor: lets one copy of a held mail's generation through and drops any other.
 * A copy released by ETRN carries its claim; a copy without one (James's WebAdmin reprocess of the hold repository
 * sends the stored mail here too) claims the generation now. A copy whose claim is not the live one is a duplicate of
 * an attempt under way or ended: it is dropped, logged. Mail that was never held passes untouched.
 */
public class ReleaseOnce extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(ReleaseOnce.class);

    private final ReleaseClaims claims;

    @Inject
    public ReleaseOnce(ReleaseClaims claims) {
        this.claims = claims;
    }

    @Override
    public String getMailetInfo() {
        return "ReleaseOnce: one delivery attempt per held mail generation";
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        Optional<String> generation = HeldMail.string(mail, HeldMail.GENERATION);
        if (generation.isEmpty()) {
            return;
        }
        Optional<String> token = HeldMail.string(mail, HeldMail.CLAIM);
        if (token.isPresent()) {
            if (!claims.isHeldBy(generation.get(), token.get())) {
                drop(mail, "its claim is no longer the live one");
            }
            return;
        }
        String claim = UUID.randomUUID().toString();
        if (claims.claim(generation.get(), claim)) {
            HeldMail.set(mail, HeldMail.CLAIM, claim);
        } else {
            drop(mail, "another copy of it is being delivered or was");
        }
    }

    private static void drop(Mail mail, String why) {
        LOGGER.info("Dropping a duplicate copy of held mail {}: {}", HeldMail.string(mail, HeldMail.KEY).orElse(mail.getName()), why);
        mail.setState(Mail.GHOST);
    }
}
