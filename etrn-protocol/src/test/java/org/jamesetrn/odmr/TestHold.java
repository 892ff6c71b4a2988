package org.jamesetrn.odmr;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.jamesetrn.hold.AttemptOutcome;
import org.jamesetrn.hold.OnDemandRelease;

import com.google.common.collect.ImmutableList;

/**
 * A hold for the ODMR tests, in memory, behind the interface the real hold implements: held mails per domain, one
 * attempt at a time per mail (a claim), the per-recipient accounting of {@link OnDemandRelease} (delivered and
 * refused for good leave, refused for now stays), and a record of what the provider asked of it.
 */
public final class TestHold implements OnDemandRelease {
    /** One held mail: its Message-ID, its recipients still held, the outcomes of its attempts. */
    public static final class Held {
        private final String messageId;
        private final String domain;
        private final MimeMessage message;
        private final Set<MailAddress> recipients;
        private final List<AttemptOutcome> outcomes = new CopyOnWriteArrayList<>();
        private boolean claimed;

        Held(String messageId, String domain, MimeMessage message, Collection<MailAddress> recipients) {
            this.messageId = messageId;
            this.domain = domain;
            this.message = message;
            this.recipients = new LinkedHashSet<>(recipients);
        }

        public String messageId() {
            return messageId;
        }

        public synchronized Set<MailAddress> recipients() {
            return ImmutableList.copyOf(recipients).stream().collect(Collectors.toSet());
        }

        public List<AttemptOutcome> outcomes() {
            return outcomes;
        }

        synchronized boolean held() {
            return !recipients.isEmpty();
        }
    }

    private final List<Held> held = new CopyOnWriteArrayList<>();
    private final AtomicInteger waitingCalls = new AtomicInteger();
    private final AtomicInteger turnsOpened = new AtomicInteger();
    private final AtomicInteger turnsClosed = new AtomicInteger();
    private volatile boolean failing;
    private volatile boolean handsOutAgain;

    /** Holds one mail with these recipients (all in {@code domain}); returns its Message-ID. */
    public String hold(String domain, String localPart, String... moreLocalParts) throws Exception {
        List<MailAddress> recipients = new ArrayList<>();
        recipients.add(new MailAddress(localPart + "@" + domain));
        for (String more : moreLocalParts) {
            recipients.add(new MailAddress(more + "@" + domain));
        }
        String messageId = "<" + localPart + "." + held.size() + "@odmr.test>";
        String raw = "From: sender@sender.test\r\n"
            + "To: " + recipients.stream().map(MailAddress::asString).collect(Collectors.joining(", ")) + "\r\n"
            + "Subject: held for ATRN\r\n"
            + "Message-ID: " + messageId + "\r\n"
            + "\r\n"
            + "Held until the customer says ATRN.\r\n"
            + ".a line that starts with a dot\r\n";
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()),
            new ByteArrayInputStream(raw.getBytes(StandardCharsets.US_ASCII)));
        held.add(new Held(messageId, domain, message, recipients));
        return messageId;
    }

    /** From now on the hold cannot be read (ATRN answers 451). */
    public void failing(boolean failing) {
        this.failing = failing;
    }

    /** From now on a turn hands out again a mail it handed out before that is still held (refused for now). */
    public void handsOutAgain(boolean again) {
        this.handsOutAgain = again;
    }

    public List<Held> held() {
        return held;
    }

    public Held held(String messageId) {
        return held.stream().filter(mail -> mail.messageId.equals(messageId)).findFirst().orElseThrow();
    }

    /** Message-IDs still held (with at least one recipient). */
    public List<String> stillHeld() {
        return held.stream().filter(Held::held).map(Held::messageId).collect(ImmutableList.toImmutableList());
    }

    /** Whether the provider looked into the hold at all. */
    public boolean touched() {
        return waitingCalls.get() > 0 || turnsOpened.get() > 0;
    }

    public int turnsOpened() {
        return turnsOpened.get();
    }

    public int turnsClosed() {
        return turnsClosed.get();
    }

    public boolean noClaimLeft() {
        return held.stream().noneMatch(mail -> mail.claimed);
    }

    @Override
    public long waiting(Collection<String> domains) throws MessagingException {
        waitingCalls.incrementAndGet();
        if (failing) {
            throw new MessagingException("the hold is down (test)");
        }
        return held.stream().filter(mail -> domains.contains(mail.domain) && mail.held()).count();
    }

    @Override
    public Turn open(Collection<String> domains) throws MessagingException {
        if (failing) {
            throw new MessagingException("the hold is down (test)");
        }
        turnsOpened.incrementAndGet();
        List<Held> attempts = new ArrayList<>();
        return new Turn() {
            @Override
            public Optional<Attempt> next() {
                synchronized (TestHold.this) {
                    Optional<Held> next = held.stream()
                        .filter(mail -> domains.contains(mail.domain) && mail.held() && !mail.claimed
                            && (handsOutAgain || !attempts.contains(mail)))
                        .findFirst();
                    next.ifPresent(mail -> {
                        mail.claimed = true;
                        attempts.add(mail);
                    });
                    return next.map(TestHold.this::attempt);
                }
            }

            @Override
            public void close() {
                synchronized (TestHold.this) {
                    attempts.forEach(mail -> mail.claimed = false);
                }
                turnsClosed.incrementAndGet();
            }
        };
    }

    private Attempt attempt(Held mail) {
        Mail copy;
        try {
            copy = FakeMail.builder()
                .name(mail.messageId)
                .sender("sender@sender.test")
                .recipients(ImmutableList.copyOf(mail.recipients()))
                .mimeMessage(mail.message)
                .build();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
        return new Attempt() {
            @Override
            public Mail mail() {
                return copy;
            }

            @Override
            public void end(AttemptOutcome outcome) {
                synchronized (TestHold.this) {
                    mail.outcomes.add(outcome);
                    synchronized (mail) {
                        mail.recipients.removeAll(outcome.delivered());
                        mail.recipients.removeAll(outcome.refusedForGood().keySet());
                    }
                    mail.claimed = false;
                }
            }

            @Override
            public void abandon() {
                synchronized (TestHold.this) {
                    mail.claimed = false;
                }
            }
        };
    }
}
