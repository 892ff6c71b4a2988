package org.jamesetrn.protocol;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import javax.inject.Inject;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MaybeSender;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.MailHook;
import org.apache.james.util.DurationParser;
import org.jamesetrn.intake.SpoolBacklog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MAIL FROM waits while the spool holds more than {@code <spoolBacklog>} mails not yet processed, at most
 * {@code <inFlowDelay>}, then goes on as usual (Postfix's {@code in_flow_delay}, whose default of 1 s this shares):
 * a burst is accepted as fast as the server holds or relays it, instead of waiting in the spool. Never refuses mail.
 * Listed in smtpserver.xml's handler chain before James's core handlers; {@code <inFlowDelay>0</inFlowDelay>} turns
 * it off.
 *
 * <p>Why: James answers 250 once the mail is in its spool and processes it later; its spool threads are fewer and
 * slower than its SMTP threads, so a burst of 10,000 mails left 7,000 waiting in the persistent server's spool and
 * 5,700 in the cluster's (docs/bench.md, "Durable intake"). Durable, but not processed: not held (ETRN finds less
 * than was accepted), not relayed, and read again after a restart. Postfix paces its SMTP servers the same way.</p>
 */
public class InFlowDelayHook implements MailHook {
    static final Duration DEFAULT_DELAY = Duration.ofSeconds(1);
    static final long DEFAULT_BACKLOG = 100;
    private static final Duration QUIET = Duration.ofMinutes(1);
    private static final Logger LOGGER = LoggerFactory.getLogger(InFlowDelayHook.class);

    private final SpoolBacklog spool;
    private final AtomicLong lastFullDelayNanos = new AtomicLong(System.nanoTime() - QUIET.toNanos());
    private volatile InFlowPacer pacer;

    @Inject
    public InFlowDelayHook(SpoolBacklog spool) {
        this.spool = spool;
        this.pacer = new InFlowPacer(spool::waitingMails, DEFAULT_BACKLOG, DEFAULT_DELAY);
    }

    @Override
    public void init(Configuration config) throws ConfigurationException {
        Duration delay = delay(config.getString("inFlowDelay", null));
        long backlog = backlog(config.getString("spoolBacklog", null));
        pacer = new InFlowPacer(spool::waitingMails, backlog, delay);
        LOGGER.info("SMTP intake: {}", pacer.enabled() ? pacer : "no in-flow delay");
    }

    private static long backlog(String written) throws ConfigurationException {
        if (written == null || written.isBlank()) {
            return DEFAULT_BACKLOG;
        }
        try {
            long backlog = Long.parseLong(written.trim());
            if (backlog >= 0) {
                return backlog;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new ConfigurationException("<spoolBacklog>: a number of mails, 0 or more: " + written);
    }

    private static Duration delay(String written) throws ConfigurationException {
        if (written == null || written.isBlank()) {
            return DEFAULT_DELAY;
        }
        try {
            Duration delay = DurationParser.parse(written.trim());
            if (delay.isNegative()) {
                throw new IllegalArgumentException("negative");
            }
            return delay;
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("<inFlowDelay>: not a duration (like 1s, 500ms; 0 for none): " + written);
        }
    }

    @Override
    public HookResult doMail(SMTPSession session, MaybeSender sender) {
        noteWhenFull(pacer.pace());
        return HookResult.DECLINED;
    }

    /** Once a minute at most, that a mail waited the whole delay: the spool is not draining as fast as mail comes. */
    private void noteWhenFull(Duration waited) {
        if (waited.isZero() || waited.compareTo(pacer.maxDelay()) < 0) {
            return;
        }
        long now = System.nanoTime();
        long last = lastFullDelayNanos.get();
        if (now - last >= QUIET.toNanos() && lastFullDelayNanos.compareAndSet(last, now)) {
            LOGGER.info("SMTP intake slowed: mail waited {} ms (the most) for the spool to drain below its backlog limit;"
                + " the spool is not keeping up with intake", waited.toMillis());
        }
    }
}
