package org.jamesetrn.hold;

import java.io.Closeable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.annotation.PreDestroy;
import javax.inject.Inject;
import javax.inject.Provider;
import javax.inject.Singleton;
import javax.mail.MessagingException;

import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.mailetcontainer.api.MailProcessor;
import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepositoryStore;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.DeferredMailRelease;
import org.jamesetrn.release.DeferredMailSource;
import org.jamesetrn.release.DomainSources;
import org.jamesetrn.release.ProbeOutcome;
import org.jamesetrn.release.ProbeOutcomes;
import org.jamesetrn.release.ReleaseConfiguration;
import org.jamesetrn.node.NodeSyntax;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.collect.ImmutableList;
import com.google.common.util.concurrent.ThreadFactoryBuilder;

/**
 * The holds of this server, one per root, as the {@link HoldForEtrn} mailets declare them at their initialisation.
 * For the release engine, the sources of a node's held mail (in every hold, the repository of each domain the node
 * covers); for {@link HoldDelivery} and ATRN ({@link OnDemandRelease}), where an attempt's copy is admitted and its
 * outcome recorded; for SMTP ({@link HoldIntake}), whether a held domain's mail can be stored now. Each hold's
 * retention (expiry, the "delayed" warning, {@code retryEvery}) runs here on one scheduler thread.
 */
@Singleton
public class Holds extends DomainSources implements OnDemandRelease, HoldIntake, Closeable {
    /** An outcome that cannot be stored now (a cluster's Cassandra unreachable) is tried again after this long. */
    static final int RECORD_RETRY_SECONDS = 10;
    private static final Logger LOGGER = LoggerFactory.getLogger(Holds.class);

    /** What becomes of a copy met on its way to delivery. */
    enum Admission {
        /** It holds its entry's live claim: it goes on (and this server renews the claim). */
        GO,
        /** Its entry ended (or another copy of it is being delivered): it is dropped, nothing is lost. */
        DROP,
        /** Its claim cannot be checked now (the claims' store is unreachable): it waits and is checked again. */
        WAIT
    }

    private final MailRepositoryStore store;
    private final FileSystem fileSystem;
    private final MailetContext mailetContext;
    private final ReleaseClaims claims;
    private final Leases leases;
    private final ProbeOutcomes probes;
    private final Provider<DeferredMailRelease> release;
    private final Provider<MailProcessor> processors;
    private final Map<String, Hold> holds = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retention = Executors.newSingleThreadScheduledExecutor(
        new ThreadFactoryBuilder().setDaemon(true).setNameFormat("etrn-hold-retention").build());
    private final ScheduledExecutorService recordings = Executors.newSingleThreadScheduledExecutor(
        new ThreadFactoryBuilder().setDaemon(true).setNameFormat("etrn-hold-recording").build());
    /**
     * Shared by every release of held mail: how many entries are read, claimed and sent to their release processor at
     * once ({@code release.hold.dispatchThreads}). A release of 1,000 held mails in Cassandra is a few thousand round
     * trips; in parallel they take a fraction of the time.
     */
    private final ExecutorService dispatching;
    /** How a file:// hold's entries are synced to disk (fsync; tests record it). */
    private final HeldFiles.DiskSync sync;

    @Inject
    public Holds(MailRepositoryStore store, FileSystem fileSystem, MailetContext mailetContext, ReleaseClaims claims,
                 ReleaseConfiguration configuration, ProbeOutcomes probes, Provider<DeferredMailRelease> release,
                 Provider<MailProcessor> processors) {
        this(store, fileSystem, mailetContext, claims, new Leases(claims, configuration.claimTimeout()), probes, release,
            processors, configuration.holdDispatchThreads(), HeldFiles.FSYNC);
    }

    Holds(MailRepositoryStore store, FileSystem fileSystem, MailetContext mailetContext, ReleaseClaims claims,
          Leases leases, ProbeOutcomes probes, Provider<DeferredMailRelease> release, MailProcessor processors,
          HeldFiles.DiskSync sync) {
        this(store, fileSystem, mailetContext, claims, leases, probes, release, () -> processors,
            ReleaseConfiguration.DEFAULT_HOLD_DISPATCH_THREADS, sync);
    }

    private Holds(MailRepositoryStore store, FileSystem fileSystem, MailetContext mailetContext, ReleaseClaims claims,
                  Leases leases, ProbeOutcomes probes, Provider<DeferredMailRelease> release,
                  Provider<MailProcessor> processors, int dispatchThreads, HeldFiles.DiskSync sync) {
        this.store = store;
        this.sync = sync;
        this.fileSystem = fileSystem;
        this.mailetContext = mailetContext;
        this.claims = claims;
        this.leases = leases;
        this.probes = probes;
        this.release = release;
        this.processors = processors;
        this.dispatching = Executors.newFixedThreadPool(dispatchThreads,
            new ThreadFactoryBuilder().setDaemon(true).setNameFormat("etrn-hold-dispatch-%d").build());
    }

    /** Declares a hold; a second declaration of the same root must have the same settings. */
    Hold register(HoldSettings settings) throws MessagingException {
        Hold hold = holds.computeIfAbsent(settings.root().asString(), root -> start(settings));
        if (!hold.settings().equals(settings)) {
            throw new MessagingException("HoldForEtrn: the hold " + settings.root().asString() + " is declared twice with "
                + "different settings (" + hold.settings() + " and " + settings + "): give both the same, or use another root");
        }
        return hold;
    }

    private Hold start(HoldSettings settings) {
        Hold hold = new Hold(settings, store, new HeldFiles(settings.root(), fileSystem, sync), fileSystem, claims, leases,
            mailetContext);
        HoldRetention job = new HoldRetention(hold, release);
        long every = settings.checkEvery().toMillis();
        retention.scheduleWithFixedDelay(job, every, every, TimeUnit.MILLISECONDS);
        LOGGER.info("Holding mail for ETRN under {} ({} domains already held); released mail goes to processor {}; "
            + "expiry after {}", settings.root().asString(), hold.domains().size(), settings.releaseProcessor(),
            settings.expireAfter());
        return hold;
    }

    Optional<Hold> find(String root) {
        return Optional.ofNullable(holds.get(root));
    }

    List<Hold> all() {
        return ImmutableList.copyOf(holds.values());
    }

    ReleaseClaims claims() {
        return claims;
    }

    Leases leases() {
        return leases;
    }

    @Override
    protected List<DeferredMailSource> domainSources(Node node) {
        return holds.values().stream()
            .flatMap(hold -> hold.domainsOf(node).stream()
                .map(domain -> new HoldSource(hold, domain, dispatching, copy -> toReleaseProcessor(hold, copy))))
            .collect(ImmutableList.toImmutableList());
    }

    /**
     * A released copy, claimed, goes through its hold's release processor at once, in the dispatching thread, as
     * James's spool would run it after taking it from its queue. Not through the spool: that stored the copy's content
     * once more (on a cluster: two blobs, the queue's view, a publish) for a spool thread to read it back, acknowledge,
     * delete, and run the same processor, about a quarter of a release's statements on Cassandra (docs/bench.md, "The
     * spool skipped"). The spool kept nothing the hold does not: the entry stays held under its claim until the
     * attempt's outcome is recorded, so a crash before the processor queued the copy for delivery leaves it held, to be
     * released again once the claim lapses. A processor that fails the copy (a mailet's exception propagated) throws
     * here: its claim is freed, the entry stays held ({@link Hold#take}).
     */
    private void toReleaseProcessor(Hold hold, Mail copy) throws MessagingException {
        copy.setState(hold.settings().releaseProcessor());
        processors.get().service(copy);
    }

    // ------------------------------------------------------------------------------------ copies on their way

    /**
     * Whether a copy met on its way to delivery (entering the release processor, or taken from RemoteDelivery's queue,
     * possibly after a restart or on another server than the one that sent it) may go on. It may when it holds its
     * entry's live claim, or can claim it again because its entry is still stored and nobody else holds it. Otherwise
     * its attempt ended already (its entry is gone or its claim ended) or another copy is under way: it is dropped.
     */
    Admission admit(HeldEntry.Copy copy) {
        String generation = copy.entry.generation();
        if (leases.holds(generation, copy.token)) {
            return Admission.GO;
        }
        Optional<Hold> hold = find(copy.entry.root());
        try {
            if (claims.isHeldBy(generation, copy.token)) {
                leases.hold(generation, copy.token);
                return Admission.GO;
            }
            if (claims.isEnded(generation) || hold.isEmpty() || !hold.get().isStored(copy.entry)) {
                LOGGER.info("Dropping a copy of held mail {} for {}: its attempt ended already", copy.entry.name(),
                    copy.entry.domain());
                return Admission.DROP;
            }
            if (claims.claim(generation, copy.token)) {
                leases.hold(generation, copy.token);
                LOGGER.info("A copy of held mail {} for {} met again after its claim lapsed (a restart, another server) "
                    + "claimed it anew", copy.entry.name(), copy.entry.domain());
                return Admission.GO;
            }
            LOGGER.info("Dropping a copy of held mail {} for {}: another copy of it is being delivered", copy.entry.name(),
                copy.entry.domain());
            return Admission.DROP;
        } catch (MessagingException | RuntimeException e) {
            LOGGER.warn("A copy of held mail {} for {} waits: its claim cannot be checked now ({})", copy.entry.name(),
                copy.entry.domain(), e.toString());
            return Admission.WAIT;
        }
    }

    /** What {@link #beginAttempt} decided; for {@link Admission#GO}, the copy under its attempt's own claim. */
    static final class AttemptAdmission {
        final Admission admission;
        final HeldEntry.Copy copy;

        private AttemptAdmission(Admission admission, HeldEntry.Copy copy) {
            this.admission = admission;
            this.copy = copy;
        }
    }

    /**
     * {@link #admit} for a copy about to be tried (taken from RemoteDelivery's queue), which then takes its claim over
     * under a token of the attempt's own ({@link ReleaseClaims#handOver}); write it onto the mail going on. A server
     * killed after it sent a copy on from the spool, before the spool's message was acknowledged, has that message
     * handed to a survivor, which sends the same copy (same claim) on a second time; with three servers or more, two
     * survivors may take the two copies at the same instant. Whichever begins second finds the claim moved on and is
     * dropped: the entry stays held until the first one's outcome is stored, so nothing is lost.
     */
    AttemptAdmission beginAttempt(HeldEntry.Copy copy) {
        Admission admission = admit(copy);
        if (admission != Admission.GO) {
            return new AttemptAdmission(admission, null);
        }
        String generation = copy.entry.generation();
        HeldEntry.Copy attempt = copy.withToken(UUID.randomUUID().toString());
        try {
            if (!claims.handOver(generation, copy.token, attempt.token)) {
                leases.drop(generation, copy.token);
                LOGGER.info("Dropping a copy of held mail {} for {}: another copy of the same attempt is being delivered",
                    copy.entry.name(), copy.entry.domain());
                return new AttemptAdmission(Admission.DROP, null);
            }
        } catch (RuntimeException e) {
            LOGGER.warn("A copy of held mail {} for {} waits: its claim cannot be taken over now ({})", copy.entry.name(),
                copy.entry.domain(), e.toString());
            return new AttemptAdmission(Admission.WAIT, null);
        }
        // The lease is keyed by generation: the attempt's token replaces the release's.
        leases.hold(generation, attempt.token);
        return new AttemptAdmission(Admission.GO, attempt);
    }

    /**
     * A stored entry that James's WebAdmin reprocess sent to its hold's release processor: James removes the entry
     * once the copy is sent, so the copy is taken over (stored again as a successor under a new key, which no reprocess
     * removes) and goes on as that successor's copy, under its claim. Empty, with the admission, when it cannot go now.
     */
    Admission adopt(Mail copy) {
        Optional<HeldEntry> entry = holds.values().stream()
            .filter(hold -> hold.settings().releaseProcessor().equals(copy.getState()))
            .findFirst()
            .flatMap(hold -> HeldEntry.reprocessed(hold.root(), copy));
        if (entry.isEmpty()) {
            LOGGER.warn("Mail {} in processor {} carries a held entry of no hold released here: dropped", copy.getName(),
                copy.getState());
            return Admission.DROP;
        }
        Hold hold = find(entry.get().root()).orElseThrow();
        try {
            if (claims.isEnded(entry.get().generation())) {
                LOGGER.info("Dropping a reprocessed copy of held mail {} for {}: it left the hold already",
                    entry.get().name(), entry.get().domain());
                return Admission.DROP;
            }
            Optional<HeldEntry> successor = hold.takeOver(entry.get(), copy);
            if (successor.isEmpty()) {
                // Another attempt is under way: this copy waits, for if that attempt's server dies, the copy may be all
                // that is left of the mail (James removed its entry).
                return Admission.WAIT;
            }
            String token = UUID.randomUUID().toString();
            if (!claims.claim(successor.get().generation(), token)) {
                return Admission.DROP; // released meanwhile from its new entry, which stays until that attempt ends
            }
            leases.hold(successor.get().generation(), token);
            successor.get().writeCopy(copy, token);
            LOGGER.info("Held mail {} for {} reprocessed by an admin goes to delivery", entry.get().name(),
                entry.get().domain());
            return Admission.GO;
        } catch (MessagingException | RuntimeException e) {
            LOGGER.warn("A reprocessed copy of held mail {} waits: the hold cannot be written now ({})", copy.getName(),
                e.toString());
            return Admission.WAIT;
        }
    }

    // -------------------------------------------------------------------------------------------------- outcomes

    /**
     * Records how an attempt ended, per recipient: a DSN for the recipients refused for good, the entry's successor for
     * those that stay, the entry's end. Tried again every {@value #RECORD_RETRY_SECONDS} s until it is stored; the
     * claim is renewed meanwhile, so that the mail is neither released again nor expired. Never throws. {@code content}
     * is left as it is (the caller may dispose of it).
     */
    void ended(HeldEntry.Copy copy, AttemptOutcome outcome, Mail content) {
        Optional<Hold> hold = find(copy.entry.root());
        if (hold.isEmpty()) {
            LOGGER.error("Held mail {} for {}: {}; its hold {} is not declared here, the outcome cannot be recorded",
                copy.entry.name(), copy.entry.domain(), outcome, copy.entry.root());
            return;
        }
        Mail kept;
        try {
            kept = content.duplicate(); // the caller disposes of its mail; a retry needs one
        } catch (MessagingException e) {
            LOGGER.warn("Held mail {}: no copy of its content for a retry of its outcome's recording", copy.entry.name(), e);
            kept = content;
        }
        new Recording(hold.get(), copy, outcome, kept).run();
    }

    /** One outcome on its way to the store; the same successor every time it is tried. */
    private final class Recording implements Runnable {
        private final Hold hold;
        private final HeldEntry.Copy copy;
        private final AttemptOutcome outcome;
        private final Mail content;
        private final Optional<HeldEntry> successor;
        private final Optional<String> probe;
        private boolean dsnSent;
        private int failures;

        Recording(Hold hold, HeldEntry.Copy copy, AttemptOutcome outcome, Mail content) {
            this.hold = hold;
            this.copy = copy;
            this.outcome = outcome;
            this.content = content;
            this.successor = copy.entry.attempted(outcome);
            this.probe = ProbeOutcomes.probeId(content);
        }

        @Override
        public void run() {
            HeldEntry entry = copy.entry;
            try {
                if (!dsnSent) {
                    hold.sendDsns(entry, outcome, content);
                    dsnSent = true;
                }
                hold.transition(entry, successor, content, Optional.of(verdict()));
            } catch (MessagingException | RuntimeException e) {
                if (failures++ == 0) {
                    LOGGER.warn("Held mail {} for {}: {}; the outcome cannot be stored now, tried again every {} s "
                        + "(the mail is not released again meanwhile)", entry.name(), entry.domain(), outcome,
                        RECORD_RETRY_SECONDS, e);
                }
                recordings.schedule(this, RECORD_RETRY_SECONDS, TimeUnit.SECONDS);
                return;
            }
            hold.leases().drop(entry.generation(), copy.token);
            LifecycleUtil.dispose(content);
            probe.ifPresent(id -> probes.report(id, verdict()));
            if (successor.isPresent()) {
                LOGGER.info("Held mail {} for {}: delivered to {}, refused for good {}; {} stay held (refused for now)",
                    entry.name(), entry.domain(), outcome.delivered(), entry.refusedForGood(outcome),
                    successor.get().recipients());
            } else {
                LOGGER.info("Held mail {} for {} leaves the hold: delivered to {}, refused for good {}", entry.name(),
                    entry.domain(), outcome.delivered(), entry.refusedForGood(outcome));
            }
        }

        /**
         * For probe first: delivered when some recipient was and none stays; bounced when every recipient was refused
         * for good (the site answers: the rest follows, as after a queue's probe); failed for now otherwise.
         */
        private ProbeOutcome verdict() {
            if (successor.isPresent()) {
                return ProbeOutcome.TEMPORARY_FAILURE;
            }
            return copy.entry.recipients().stream().anyMatch(outcome.delivered()::contains)
                ? ProbeOutcome.DELIVERED : ProbeOutcome.BOUNCED;
        }
    }

    // ------------------------------------------------------------------------------------------------- ATRN

    @Override
    public long waiting(Collection<String> domains) throws MessagingException {
        return pending(domains).size();
    }

    @Override
    public Turn open(Collection<String> domains) throws MessagingException {
        return new HoldTurn(pending(domains));
    }

    /** The keys held now for these domains, in every hold. */
    private List<Pending> pending(Collection<String> domains) throws MessagingException {
        List<Pending> pending = new ArrayList<>();
        for (Hold hold : holds.values()) {
            for (String domain : domains) {
                Optional<String> held = NodeSyntax.hostName(domain).filter(name -> hold.domainsOf(Node.domain(name)).contains(name));
                if (held.isPresent()) {
                    for (MailKey key : hold.keys(held.get())) {
                        pending.add(new Pending(hold, held.get(), key));
                    }
                }
            }
        }
        return pending;
    }

    private static final class Pending {
        final Hold hold;
        final String domain;
        final MailKey key;

        Pending(Hold hold, String domain, MailKey key) {
            this.hold = hold;
            this.domain = domain;
            this.key = key;
        }
    }

    /** One ATRN session's turn: the keys listed when it opened, each claimed when its turn comes. */
    private final class HoldTurn implements Turn {
        private final Deque<Pending> pending;
        private final List<HoldAttempt> open = new ArrayList<>();

        HoldTurn(List<Pending> pending) {
            this.pending = new ArrayDeque<>(pending);
        }

        @Override
        public synchronized Optional<Attempt> next() throws MessagingException {
            while (!pending.isEmpty()) {
                Pending next = pending.poll();
                Mail[] handedOut = new Mail[1];
                Optional<HeldEntry.Copy> copy = next.hold.take(next.domain, next.key, mail -> handedOut[0] = mail.duplicate());
                if (copy.isPresent()) {
                    HoldAttempt attempt = new HoldAttempt(next.hold, copy.get(), handedOut[0]);
                    open.add(attempt);
                    return Optional.of(attempt);
                }
            }
            return Optional.empty();
        }

        @Override
        public synchronized void close() {
            ImmutableList.copyOf(open).forEach(HoldAttempt::abandon);
        }

        private final class HoldAttempt implements Attempt {
            private final Hold hold;
            private final HeldEntry.Copy copy;
            private final Mail mail;
            private boolean ended;

            HoldAttempt(Hold hold, HeldEntry.Copy copy, Mail mail) {
                this.hold = hold;
                this.copy = copy;
                this.mail = mail;
            }

            @Override
            public Mail mail() {
                return mail;
            }

            @Override
            public void end(AttemptOutcome outcome) {
                synchronized (HoldTurn.this) {
                    if (ended) {
                        return;
                    }
                    ended = true;
                    open.remove(this);
                }
                ended(copy, outcome, mail);
                LifecycleUtil.dispose(mail);
            }

            @Override
            public void abandon() {
                synchronized (HoldTurn.this) {
                    if (ended) {
                        return;
                    }
                    ended = true;
                    open.remove(this);
                }
                hold.abandon(copy);
                LifecycleUtil.dispose(mail);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ intake

    @Override
    public Verdict intake(String recipientDomain) {
        Optional<String> domain = NodeSyntax.hostName(recipientDomain.toLowerCase(Locale.ROOT));
        if (domain.isEmpty()) {
            return Verdict.ACCEPT;
        }
        for (Hold hold : holds.values()) {
            if (!hold.canStore(domain.get())) {
                return Verdict.CANNOT_STORE_NOW;
            }
            if (hold.isFull(domain.get())) {
                return Verdict.NODE_FULL;
            }
        }
        return Verdict.ACCEPT;
    }

    @PreDestroy
    @Override
    public void close() {
        retention.shutdownNow();
        dispatching.shutdownNow();
        recordings.shutdownNow();
        leases.close();
    }
}
