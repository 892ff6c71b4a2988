package org.jamesetrn.hold;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import javax.inject.Provider;
import javax.mail.MessagingException;

import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.mailrepository.api.MailKey;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.DeferredMailRelease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hold's retention, run every {@link HoldSettings#checkEvery}: a mail held longer than {@code expireAfter} goes to
 * the expired processor (DSNBounce tells the sender) and leaves the hold; past {@code warnAfter} a copy goes once to
 * the warn processor (the "delayed" DSN); every {@code retryEvery} each held domain is released as by an ETRN (probe
 * first). Expiry and warning claim the entry first, like a release, so that neither races a delivery attempt.
 *
 * <p>The expiry clock is {@link HeldMail#SINCE}, set when the mail first entered the hold and never moved by a failed
 * attempt. Crash window: an expired mail is handed to the DSN processor before it leaves the hold; a crash between
 * the two steps sends the sender a second DSN after the restart, never none.</p>
 */
final class HoldRetention implements Runnable {
    /** James's RemoteDelivery attribute that DSNBounce reads for the diagnostic (Bouncer.DELIVERY_ERROR). */
    static final AttributeName DELIVERY_ERROR = AttributeName.of("delivery-error");
    private static final Logger LOGGER = LoggerFactory.getLogger(HoldRetention.class);

    private final Hold hold;
    private final ReleaseClaims claims;
    private final MailetContext mailetContext;
    private final Provider<DeferredMailRelease> release;
    private final Clock clock;
    private final Map<String, Instant> lastRetry = new ConcurrentHashMap<>();

    HoldRetention(Hold hold, Provider<DeferredMailRelease> release) {
        this(hold, release, Clock.systemUTC());
    }

    HoldRetention(Hold hold, Provider<DeferredMailRelease> release, Clock clock) {
        this.hold = hold;
        this.claims = hold.claims();
        this.mailetContext = hold.mailetContext();
        this.release = release;
        this.clock = clock;
    }

    @Override
    public void run() {
        Instant now = clock.instant();
        for (String domain : hold.domains()) {
            try {
                for (MailKey key : hold.keys(domain)) {
                    try {
                        examine(domain, key, now);
                    } catch (MessagingException | RuntimeException e) {
                        // James's file repository lists a key before its files are written: next round.
                        LOGGER.debug("Held mail {} for {} cannot be examined now", key.asString(), domain, e);
                    }
                }
                retry(domain, now);
            } catch (Exception e) {
                LOGGER.error("Hold retention of {} under {} failed; next try in {}", domain, hold.root(),
                    hold.settings().checkEvery(), e);
            }
        }
    }

    private void examine(String domain, MailKey key, Instant now) throws MessagingException {
        HoldSettings settings = hold.settings();
        Mail mail = hold.retrieve(domain, key).orElse(null);
        if (mail == null) {
            return;
        }
        try {
            Instant since = HeldMail.since(mail).orElse(now);
            Optional<HeldMail.Entry> entry = HeldMail.entry(mail);
            if (entry.isEmpty()) {
                return;
            }
            if (claims.isEnded(entry.get().generation)) {
                hold.removeQuietly(entry.get()); // a leftover of a mail that left the hold
                return;
            }
            if (!since.plus(settings.expireAfter()).isAfter(now)) {
                expire(entry.get(), mail, settings.expireAfter());
            } else if (settings.warnAfter().isPresent() && !since.plus(settings.warnAfter().get()).isAfter(now)
                && !HeldMail.warned(mail)) {
                warn(entry.get(), mail, since);
            }
        } finally {
            LifecycleUtil.dispose(mail);
        }
    }

    private void expire(HeldMail.Entry entry, Mail mail, Duration expireAfter) throws MessagingException {
        String token = UUID.randomUUID().toString();
        if (!claims.claim(entry.generation, token)) {
            return; // a delivery attempt is under way: its outcome decides
        }
        Mail expired = mail.duplicate();
        HeldMail.strip(expired);
        expired.setAttribute(new Attribute(DELIVERY_ERROR, AttributeValue.of(
            "held for ETRN longer than " + expireAfter + " without the site " + entry.domain + " asking for it")));
        try {
            mailetContext.sendMail(expired, hold.settings().expiredProcessor());
        } catch (MessagingException | RuntimeException e) {
            claims.abandon(entry.generation, token);
            throw e;
        } finally {
            LifecycleUtil.dispose(expired);
        }
        hold.removeIf(entry);
        claims.end(entry.generation);
        LOGGER.info("Held mail {} for {} expired after {}: the sender is told through processor {}", entry.key,
            entry.domain, expireAfter, hold.settings().expiredProcessor());
    }

    /** One "delayed" DSN: a copy goes to the warn processor, the entry is written again (same generation) marked as warned. */
    private void warn(HeldMail.Entry entry, Mail mail, Instant since) throws MessagingException {
        String token = UUID.randomUUID().toString();
        if (!claims.claim(entry.generation, token)) {
            return;
        }
        Mail copy = mail.duplicate();
        HeldMail.strip(copy);
        try {
            copy.setAttribute(new Attribute(DELIVERY_ERROR, AttributeValue.of(
                "held for ETRN since " + since + " until the site " + entry.domain + " asks for it")));
            mailetContext.sendMail(copy, hold.settings().warnProcessor().orElseThrow());
            HeldMail.setWarned(mail);
            hold.write(entry.domain, mail, since);
        } finally {
            claims.abandon(entry.generation, token);
            LifecycleUtil.dispose(copy);
        }
    }

    private void retry(String domain, Instant now) {
        Optional<Duration> every = hold.settings().retryEvery();
        if (every.isEmpty()) {
            return;
        }
        Instant last = lastRetry.computeIfAbsent(domain, any -> now);
        if (last.plus(every.get()).isAfter(now)) {
            return;
        }
        lastRetry.put(domain, now);
        LOGGER.info("Held mail for {}: retrying (retryEvery {})", domain, every.get());
        release.get().release(Node.domain(domain));
    }
}
