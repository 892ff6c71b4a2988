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
 *
 * <p><b>What a pass reads.</b> Examining an entry reads the whole held mail (James's repositories have no cheaper
 * read), so a pass over a domain whose entries cannot be due yet is skipped: after a complete pass, the next warning or
 * expiry of the domain cannot come before the earliest of its entries' own dates and of the listing's time (mail held
 * after the listing, by this server or another, entered the hold then or is the successor of an entry seen, whose
 * clock it keeps), less {@link #CLOCK_MARGIN} for the servers' clocks. A domain is still read in full at least every
 * {@link #FULL_PASS}: that pass removes entries left by a crash between a claim's end and the removal, and brings the
 * bytes and oldest clock the node's figures show up to date with what the other servers held; and at once when the
 * repository holds fewer mails than the counts say (removed behind the hold's back: the oldest clock may be stale). (With 100,000 held on a
 * cluster, a pass every minute kept both servers' cores busy reading mail back to back: docs/bench.md.)</p>
 */
final class HoldRetention implements Runnable {
    private static final Logger LOGGER = LoggerFactory.getLogger(HoldRetention.class);

    private final Hold hold;
    private final ReleaseClaims claims;
    private final MailetContext mailetContext;
    private final Provider<DeferredMailRelease> release;
    private final Clock clock;
    /** Longest time between two passes reading a domain's every entry. */
    static final Duration FULL_PASS = Duration.ofHours(1);
    /** How far the clocks of a cluster's servers may differ: a mail held by another is due that much earlier. */
    static final Duration CLOCK_MARGIN = Duration.ofMinutes(1);

    private final Map<String, Instant> lastRetry = new ConcurrentHashMap<>();
    /** Per domain, its last complete pass: when, and the earliest instant one of its entries may be due. */
    private final Map<String, Pass> passes = new ConcurrentHashMap<>();
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
        passes.keySet().retainAll(hold.domains());
        for (String domain : hold.domains()) {
            try {
                Pass last = passes.get(domain);
                if (last != null && now.isBefore(last.due) && now.isBefore(last.at.plus(FULL_PASS))) {
                    // Mail removed behind the hold's back (James's WebAdmin, another server's release) leaves the
                    // counts' oldest clock stale and an emptied domain to forget: read (what is left) now.
                    long stored = hold.repository(domain).size();
                    if (stored > 0 && stored >= hold.counts(domain).mails) {
                        retry(domain, now);
                        continue;
                    }
                }
                HeldCounts.Counts found = HeldCounts.Counts.NONE;
                Instant due = now.minus(CLOCK_MARGIN).plus(firstPeriod());
                boolean complete = true;
                for (MailKey key : hold.keys(domain)) {
                    try {
                        Optional<Kept> kept = examine(domain, key, now);
                        if (kept.isPresent()) {
                            found = found.plus(kept.get().bytes, kept.get().since);
                            due = kept.get().due.isBefore(due) ? kept.get().due : due;
                        }
                    } catch (MessagingException | RuntimeException e) {
                        // James's file repository lists a key before its files are written: next round.
                        complete = false;
                        LOGGER.debug("Held mail {} for {} cannot be examined now", key.asString(), domain, e);
                    }
                }
                if (complete) {
                    hold.counted(domain, found);
                    passes.put(domain, new Pass(now, due));
                } else {
                    passes.remove(domain);
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

    /** A complete pass over a domain. */
    private static final class Pass {
        final Instant at;
        final Instant due;

        Pass(Instant at, Instant due) {
            this.at = at;
            this.due = due;
        }
    }

    /** An entry still held after a pass: its size, its clock, and when it is due next (a warning or its expiry). */
    private static final class Kept {
        final long bytes;
        final Instant since;
        final Instant due;

        Kept(long bytes, Instant since, Instant due) {
            this.bytes = bytes;
            this.since = since;
            this.due = due;
        }
    }

    /** The first warning or expiry of an entry held now. */
    private Duration firstPeriod() {
        HoldSettings settings = hold.settings();
        return settings.warnAfter().filter(warn -> warn.compareTo(settings.expireAfter()) < 0)
            .orElse(settings.expireAfter());
    }

    /** Expires, warns or leaves the entry; what it still holds afterwards (size, clock, next due), if anything. */
    private Optional<Kept> examine(String domain, MailKey key, Instant now) throws MessagingException {
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
            Instant expiry = entry.since().plus(settings.expireAfter());
            boolean warned = entry.isWarned();
            if (!expiry.isAfter(now)) {
                if (expire(entry, mail, settings.expireAfter())) {
                    return Optional.empty();
                }
            } else if (settings.warnAfter().isPresent() && !entry.since().plus(settings.warnAfter().get()).isAfter(now)
                && !warned) {
                warn(entry, mail);
                warned = true;
            }
            // Not expired (or claimed by an attempt under way, whose outcome decides): due again at its next date,
            // at the latest now (an expiry that could not claim the entry is tried at the next pass).
            Instant next = expiry;
            if (!warned && settings.warnAfter().isPresent() && entry.since().plus(settings.warnAfter().get()).isBefore(expiry)) {
                next = entry.since().plus(settings.warnAfter().get());
            }
            return Optional.of(new Kept(mail.getMessageSize(), entry.since(), next.isAfter(now) ? next : now));
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
