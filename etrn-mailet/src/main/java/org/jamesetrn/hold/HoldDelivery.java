package org.jamesetrn.hold;

import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.domainlist.api.DomainList;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.transport.mailets.RemoteDelivery;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetConfig;
import org.apache.mailet.MailetContext;
import org.apache.mailet.ProcessingState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;

/**
 * James's RemoteDelivery for the hold's two routes, one attempt each: the release processor (a held mail's copy goes
 * to the site) and the park (a mail is tried once, and its temporary failures go to the hold through the bounce
 * processor). Configured like RemoteDelivery ({@code outgoing}, {@code gateway}, time-outs, TLS...), with these set
 * for it, whatever the configuration says: one attempt ({@code maxRetries} 0, no {@code delayTime}), the recipients a
 * site refuses do not stop the others ({@code sendpartial}), and a DNS lookup that finds no server is a temporary
 * failure (James makes it permanent at once with {@code maxDnsProblemRetries} 0: a resolver timing out, a dynamic-DNS
 * name not updated yet would bounce every held mail of the node).
 *
 * <p><b>A held mail's copy.</b> It goes on only under its entry's live claim ({@link Holds#admit}), checked again
 * when RemoteDelivery takes it from its queue (after a restart, on another server of a cluster): a copy whose attempt
 * ended already is dropped. What RemoteDelivery reports of the attempt (the delivered recipients to {@code onSuccess},
 * each refusal to the bounce processor, as {@link AttemptContext} sees them) is added up per recipient, and when
 * RemoteDelivery is done with the copy ({@link AttemptQueues}) the outcome is recorded in the hold ({@link
 * Holds#ended}), at once, in the delivering thread: delivered recipients leave the hold, those refused for good get
 * the hold's DSN, the others stay held. None of these reports reaches the configured processors, but a delivered copy,
 * stripped of the hold, goes to {@code onSuccess} if one is configured. James's WebAdmin reprocess of a hold repository
 * sends stored entries here: they are taken over ({@link Holds#adopt}) and delivered the same way.</p>
 *
 * <p><b>Any other mail</b> (the park's first attempt) is RemoteDelivery's, but for two things: the DNS rule above, and
 * a mail with a null sender (a DSN) that failed for now still reaches the bounce processor (James's RemoteDelivery
 * drops it: no DSN is due for a DSN, but the park would lose it).</p>
 */
public class HoldDelivery extends RemoteDelivery {
    /** Where RemoteDelivery reports delivered recipients when no {@code onSuccess} is configured: never a processor. */
    static final String DELIVERED = "etrn-hold-delivered";
    /** Where RemoteDelivery reports refusals when no {@code bounceProcessor} is configured: never a processor. */
    static final String REFUSED = "etrn-hold-refused";
    /** A copy whose claim cannot be checked now waits this long in the spool. */
    static final int WAIT_SECONDS = 2;
    /** Set whatever the configuration says: one attempt, per recipient, DNS failures temporary. */
    static final Map<String, String> FORCED = ImmutableMap.of(
        "maxRetries", "0",
        "delayTime", "",
        "sendpartial", "true",
        "maxDnsProblemRetries", String.valueOf(Integer.MAX_VALUE));
    private static final Logger LOGGER = LoggerFactory.getLogger(HoldDelivery.class);

    private final Holds holds;
    private final AttemptQueues queues;
    private final Map<String, AttemptTally> attempts = new ConcurrentHashMap<>();
    private MailetConfig config;
    private MailetContext context;
    private Optional<String> onSuccess = Optional.empty();
    private Optional<String> bounceProcessor = Optional.empty();

    @Inject
    public HoldDelivery(DNSService dnsServer, DomainList domainList, MailQueueFactory<?> queueFactory,
                        MetricFactory metricFactory, Holds holds) {
        this(dnsServer, domainList, new AttemptQueues(queueFactory), metricFactory, holds, ThreadState.START_THREADS);
    }

    HoldDelivery(DNSService dnsServer, DomainList domainList, MailQueueFactory<?> queueFactory,
                 MetricFactory metricFactory, Holds holds, ThreadState threads) {
        this(dnsServer, domainList, new AttemptQueues(queueFactory), metricFactory, holds, threads);
    }

    private HoldDelivery(DNSService dnsServer, DomainList domainList, AttemptQueues queues, MetricFactory metricFactory,
                         Holds holds, ThreadState threads) {
        super(dnsServer, domainList, queues, metricFactory, threads);
        this.holds = holds;
        this.queues = queues;
        queues.attach(this);
    }

    @Override
    public void init() throws MessagingException {
        MailetConfig configured = super.getMailetConfig();
        onSuccess = Optional.ofNullable(configured.getInitParameter("onSuccess")).map(String::trim).filter(s -> !s.isEmpty());
        bounceProcessor = Optional.ofNullable(configured.getInitParameter("bounceProcessor")).map(String::trim)
            .filter(s -> !s.isEmpty());
        FORCED.forEach((name, value) -> {
            String given = configured.getInitParameter(name);
            if (given != null && !given.trim().equals(value)) {
                LOGGER.warn("HoldDelivery {}: <{}>{}</{}> is ignored: it makes one attempt, per recipient, and a DNS "
                    + "lookup without result is a temporary failure", configured.getMailetName(), name, given, name);
            }
        });
        context = new AttemptContext(configured.getMailetContext(), this);
        config = new Forced(configured, context, onSuccess.orElse(DELIVERED), bounceProcessor.orElse(REFUSED));
        super.init();
    }

    /** RemoteDelivery reads its configuration and its context here: the forced ones. */
    @Override
    public MailetConfig getMailetConfig() {
        return config == null ? super.getMailetConfig() : config;
    }

    @Override
    public String getMailetInfo() {
        return "HoldDelivery: RemoteDelivery for the hold, one attempt, accounted per recipient";
    }

    @Override
    public Collection<ProcessingState> requiredProcessingState() {
        return ImmutableList.<String>builder().addAll(onSuccess.stream().iterator()).addAll(bounceProcessor.stream().iterator())
            .build().stream().map(ProcessingState::new).collect(ImmutableList.toImmutableList());
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        Holds.Admission admission = HeldEntry.copy(mail).map(holds::admit)
            .orElseGet(() -> HeldEntry.isHeldMail(mail) ? holds.adopt(mail) : Holds.Admission.GO);
        switch (admission) {
            case GO:
                super.service(mail);
                return;
            case WAIT:
                real().sendMail(mail, mail.getState(), WAIT_SECONDS, TimeUnit.SECONDS);
                mail.setState(Mail.GHOST);
                return;
            case DROP:
            default:
                mail.setState(Mail.GHOST);
        }
    }

    /** The mailet context James gave: where this mailet's own mail goes (not through {@link AttemptContext}). */
    MailetContext real() {
        return super.getMailetConfig().getMailetContext();
    }

    // ----------------------------------------------------------------------------- what AttemptQueues reports

    /** A copy taken from the queue: whether RemoteDelivery may try it; if so its attempt is added up from now on. */
    Holds.Admission dequeued(Mail mail) {
        Optional<HeldEntry.Copy> copy = HeldEntry.copy(mail);
        if (copy.isEmpty()) {
            return Holds.Admission.GO;
        }
        Holds.AttemptAdmission attempt = holds.beginAttempt(copy.get());
        if (attempt.admission == Holds.Admission.GO) {
            // The mail carries its attempt's claim from now on: given back to the queue, it is tried again under it.
            attempt.copy.writeToken(mail);
            attempts.put(attempt.copy.entry.generation(), new AttemptTally(attempt.copy));
        }
        return attempt.admission;
    }

    /** RemoteDelivery is done with the mail: a held copy's outcome is recorded; any other mail gets its due. */
    void attempted(Mail mail) {
        Optional<HeldEntry.Copy> copy = HeldEntry.copy(mail);
        if (copy.isPresent()) {
            AttemptTally tally = attempts.remove(copy.get().entry.generation());
            if (tally != null) {
                holds.ended(tally.copy, tally.outcome(mail), mail);
            }
            return;
        }
        if (!mail.hasSender() && AttemptTally.failedForNow(mail)) {
            bounceProcessor.ifPresent(processor -> {
                try {
                    real().sendMail(mail, processor);
                } catch (MessagingException e) {
                    LOGGER.error("Mail {} (null sender) failed for now and could not reach {}", mail.getName(), processor, e);
                }
            });
        }
    }

    /** RemoteDelivery gives the copy back to its queue (an unexpected error): its next attempt is added up afresh. */
    void retried(Mail mail) {
        HeldEntry.copy(mail).ifPresent(copy -> attempts.remove(copy.entry.generation()));
    }

    // ------------------------------------------------------------------------------ what AttemptContext reports

    /**
     * A mail RemoteDelivery sends to a processor. A report on a held copy's attempt is added up (a delivered copy also
     * goes, stripped of the hold, to the configured onSuccess); anything else goes where RemoteDelivery sends it, a
     * stand-in processor meaning "not configured".
     */
    void sent(Mail mail, String state) throws MessagingException {
        boolean delivered = state.equals(onSuccess.orElse(DELIVERED));
        boolean refused = state.equals(bounceProcessor.orElse(REFUSED));
        Optional<HeldEntry.Copy> copy = HeldEntry.copy(mail);
        if (copy.isPresent() && (delivered || refused)) {
            AttemptTally tally = attempts.get(copy.get().entry.generation());
            if (tally != null) {
                tally.add(mail, delivered);
                if (delivered && onSuccess.isPresent()) {
                    Mail stripped = HeldEntry.strip(mail.duplicate());
                    try {
                        real().sendMail(stripped, onSuccess.get());
                    } finally {
                        org.apache.james.lifecycle.api.LifecycleUtil.dispose(stripped);
                    }
                }
                return;
            }
        }
        if (state.equals(DELIVERED)) {
            return;
        }
        if (state.equals(REFUSED)) {
            real().bounce(mail, String.valueOf(mail.getAttribute(Hold.DELIVERY_ERROR)
                .flatMap(attribute -> attribute.getValue().valueAs(String.class)).orElse("delivery failed")));
            return;
        }
        real().sendMail(mail, state);
    }

    /** The configuration RemoteDelivery reads: James's, with {@link #FORCED} and the stand-in processors. */
    private static final class Forced implements MailetConfig {
        private final MailetConfig configured;
        private final MailetContext context;
        private final Map<String, String> overrides;

        Forced(MailetConfig configured, MailetContext context, String onSuccess, String bounceProcessor) {
            this.configured = configured;
            this.context = context;
            this.overrides = ImmutableMap.<String, String>builder()
                .putAll(FORCED)
                .put("onSuccess", onSuccess)
                .put("bounceProcessor", bounceProcessor)
                .build();
        }

        @Override
        public String getInitParameter(String name) {
            return overrides.containsKey(name) ? overrides.get(name) : configured.getInitParameter(name);
        }

        @Override
        public Iterator<String> getInitParameterNames() {
            Set<String> names = new java.util.LinkedHashSet<>(overrides.keySet());
            configured.getInitParameterNames().forEachRemaining(names::add);
            return names.iterator();
        }

        @Override
        public MailetContext getMailetContext() {
            return context;
        }

        @Override
        public String getMailetName() {
            return configured.getMailetName();
        }
    }

    /** The attempts of held copies in RemoteDelivery's hands now (tests). */
    List<String> attemptsUnderWay() {
        return ImmutableList.copyOf(attempts.keySet());
    }

    AttemptQueues queues() {
        return queues;
    }
}
