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
 * <p>The expiry clock is the entry's {@link HeldEntry#since}, set when the mail first entered the hold and kept by
 * every successor. Crash window: an expired mail is handed to the DSN processor before it leaves the hold; a crash
 * between the two steps sends the sender a second DSN after the restart, never none.</p>
 */
final class HoldRetention implements Runnable {
    private static final Logger LOGGER = LoggerFactory.getLogger(HoldRetention.class);

    private final Hold hold;
    private final ReleaseClaims claims;
    private final MailetContext mailetContext;
    private final Provider<DeferredMailRelease> release;
    private final Clock clock;
    private final Map<String, Instant> lastRetry = new ConcurrentHashMap<>();
    private boolean unreadable;

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
        try {
            hold.refresh();
            if (unreadable) {
                unreadable = false;
                LOGGER.info("Hold retention under {}: the held domains can be listed again", hold.root());
            }
        } catch (RuntimeException e) {
            // Once per outage (a cluster's Cassandra unreachable), not at every pass: retention tries every checkEvery.
            if (!unreadable) {
                unreadable = true;
                LOGGER.error("Hold retention under {}: cannot list the held domains; trying again every {}", hold.root(),
                    hold.settings().checkEvery(), e);
            }
            return;
        }
        for (String domain : hold.domains()) {
            try {
                HeldCounts.Counts found = HeldCounts.Counts.NONE;
                boolean complete = true;
                for (MailKey key : hold.keys(domain)) {
                    try {
                        Optional<HeldCounts.Counts> kept = examine(domain, key, now);
                        if (kept.isPresent()) {
                            found = found.plus(kept.get().bytes, kept.get().oldest().orElse(now));
                        }
                    } catch (MessagingException | RuntimeException e) {
                        // James's file repository lists a key before its files are written: next round.
                        complete = false;
                        LOGGER.debug("Held mail {} for {} cannot be examined now", key.asString(), domain, e);
                    }
                }
                if (complete) {
                    hold.counted(domain, found);
                }
                if (found.mails > 0 || !complete) {
                    retry(domain, now);
                }
            } catch (Exception e) {
                LOGGER.error("Hold retention of {} under {} failed; next try in {}", domain, hold.root(),
                    hold.settings().checkEvery(), e);
            }
        }
    }

    /** Expires, warns or leaves the entry; what it still holds afterwards (size and clock), if anything. */
    private Optional<HeldCounts.Counts> examine(String domain, MailKey key, Instant now) throws MessagingException {
        HoldSettings settings = hold.settings();
        Optional<Hold.Stored> stored = hold.entry(domain, key);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        HeldEntry entry = stored.get().entry;
        Mail mail = stored.get().mail;
        try {
            if (claims.isEnded(entry.generation())) {
                hold.removeLeftover(entry);
                return Optional.empty();
            }
            if (!entry.since().plus(settings.expireAfter()).isAfter(now)) {
                if (expire(entry, mail, settings.expireAfter())) {
                    return Optional.empty();
                }
            } else if (settings.warnAfter().isPresent() && !entry.since().plus(settings.warnAfter().get()).isAfter(now)
                && !entry.isWarned()) {
                warn(entry, mail);
            }
            return Optional.of(HeldCounts.Counts.NONE.plus(mail.getMessageSize(), entry.since()));
        } finally {
            LifecycleUtil.dispose(mail);
        }
    }

    /**
     * Claimed first (a mail in flight is never expired: its attempt's outcome decides), then the DSN goes out, then the
     * entry's claim ends, then the entry is removed: from the DSN on, no copy of it is delivered. A crash between the
     * DSN and the end sends a second DSN after the restart, never none.
     */
    private boolean expire(HeldEntry entry, Mail mail, Duration expireAfter) throws MessagingException {
        String token = UUID.randomUUID().toString();
        if (!claims.claim(entry.generation(), token)) {
            return false; // a delivery attempt is under way: its outcome decides
        }
        if (mail.hasSender()) {
            Mail expired = HeldEntry.strip(mail.duplicate());
            HeldEntry.DELIVERY_STATE.forEach(expired::removeAttribute);
            expired.setRecipients(entry.recipients());
            expired.setAttribute(new Attribute(Hold.DELIVERY_ERROR, AttributeValue.of(
                "held for ETRN longer than " + expireAfter + " without the site " + entry.domain() + " asking for it")));
            try {
                mailetContext.sendMail(expired, hold.settings().expiredProcessor());
            } catch (MessagingException | RuntimeException e) {
                claims.abandon(entry.generation(), token);
                throw e;
            } finally {
                LifecycleUtil.dispose(expired);
            }
        }
        hold.transition(entry, Optional.empty(), mail);
        LOGGER.info("Held mail {} for {} expired after {}: {}", entry.name(), entry.domain(), expireAfter,
            mail.hasSender() ? "the sender is told through processor " + hold.settings().expiredProcessor()
                : "no DSN (its sender is null)");
        return true;
    }

    /** One "delayed" DSN: a copy goes to the warn processor, then the entry's successor is marked as warned. */
    private void warn(HeldEntry entry, Mail mail) throws MessagingException {
        String token = UUID.randomUUID().toString();
        if (!claims.claim(entry.generation(), token)) {
            return;
        }
        try {
            if (mail.hasSender()) {
                Mail copy = HeldEntry.strip(mail.duplicate());
                try {
                    HeldEntry.DELIVERY_STATE.forEach(copy::removeAttribute);
                    copy.setRecipients(entry.recipients());
                    copy.setAttribute(new Attribute(Hold.DELIVERY_ERROR, AttributeValue.of(
                        "held for ETRN since " + entry.since() + " until the site " + entry.domain() + " asks for it")));
                    mailetContext.sendMail(copy, hold.settings().warnProcessor().orElseThrow());
                } finally {
                    LifecycleUtil.dispose(copy);
                }
            }
            hold.transition(entry, Optional.of(entry.warned()), mail);
        } catch (MessagingException | RuntimeException e) {
            claims.abandon(entry.generation(), token);
            throw e;
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
