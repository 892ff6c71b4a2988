package org.jamesetrn.hold;

import java.io.Closeable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepositoryStore;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.DeferredMailRelease;
import org.jamesetrn.release.DeferredMailSource;
import org.jamesetrn.release.DomainSources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.collect.ImmutableList;
import com.google.common.util.concurrent.ThreadFactoryBuilder;

/**
 * The holds of this server, one per root, as the {@link HoldForEtrn} mailets declare them at their initialisation;
 * for the release engine, the sources of a node's held mail: in every hold, the repository of each domain the node
 * covers. Each hold's retention (expiry, the "delayed" warning, {@code retryEvery}) runs here on one scheduler thread.
 */
@Singleton
public class Holds extends DomainSources implements Closeable {
    static final int DISPATCH_THREADS = 8;
    private static final Logger LOGGER = LoggerFactory.getLogger(Holds.class);

    private final MailRepositoryStore store;
    private final FileSystem fileSystem;
    private final MailetContext mailetContext;
    private final ReleaseClaims claims;
    private final Provider<DeferredMailRelease> release;
    private final Map<String, Hold> holds = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retention = Executors.newSingleThreadScheduledExecutor(
        new ThreadFactoryBuilder().setDaemon(true).setNameFormat("etrn-hold-retention").build());
    /**
     * Shared by every release of held mail: how many entries are read, claimed and sent to their release processor at
     * once. A release of 1,000 held mails in Cassandra is a few thousand round trips; in parallel they take a fraction
     * of the time.
     */
    private final ExecutorService dispatching = Executors.newFixedThreadPool(DISPATCH_THREADS,
        new ThreadFactoryBuilder().setDaemon(true).setNameFormat("etrn-hold-dispatch-%d").build());

    private final SpoolPace pace;

    @Inject
    public Holds(MailRepositoryStore store, FileSystem fileSystem, MailetContext mailetContext, ReleaseClaims claims,
                 Provider<DeferredMailRelease> release, MailQueueFactory<? extends ManageableMailQueue> queues) {
        this(store, fileSystem, mailetContext, claims, release, SpoolPace.of(queues));
    }

    /** Without pacing the spool (unit tests: their mailet context has no spool). */
    public Holds(MailRepositoryStore store, FileSystem fileSystem, MailetContext mailetContext, ReleaseClaims claims,
                 Provider<DeferredMailRelease> release) {
        this(store, fileSystem, mailetContext, claims, release, SpoolPace.NONE);
    }

    Holds(MailRepositoryStore store, FileSystem fileSystem, MailetContext mailetContext, ReleaseClaims claims,
          Provider<DeferredMailRelease> release, SpoolPace pace) {
        this.store = store;
        this.fileSystem = fileSystem;
        this.mailetContext = mailetContext;
        this.claims = claims;
        this.release = release;
        this.pace = pace;
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
        Hold hold = new Hold(settings, store, fileSystem, claims, mailetContext);
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

    /**
     * Where a copy of a held mail that does not say so was held (James's WebAdmin reprocess reads a hold repository
     * itself): in the hold whose release processor the copy is in, the entry named as the copy under its recipients'
     * domain. Where several holds share that processor, the one that still lists the entry, else the first.
     */
    Optional<HeldMail.Entry> locate(Mail copy) {
        List<Hold> candidates = holds.values().stream()
            .filter(hold -> hold.settings().releaseProcessor().equals(copy.getState()))
            .collect(ImmutableList.toImmutableList());
        List<HeldMail.Entry> entries = (candidates.isEmpty() ? all() : candidates).stream()
            .map(hold -> hold.entryOf(copy))
            .flatMap(Optional::stream)
            .collect(ImmutableList.toImmutableList());
        if (entries.size() <= 1) {
            return entries.stream().findFirst();
        }
        return entries.stream()
            .filter(entry -> find(entry.root).flatMap(hold -> hold.retrieve(entry.domain, new MailKey(entry.key)))
                .map(stored -> {
                    LifecycleUtil.dispose(stored);
                    return true;
                }).orElse(false))
            .findFirst()
            .or(() -> entries.stream().findFirst());
    }

    @Override
    protected List<DeferredMailSource> domainSources(Node node) {
        return holds.values().stream()
            .flatMap(hold -> hold.domainsOf(node).stream().map(domain -> new HoldSource(hold, domain, dispatching, pace)))
            .collect(ImmutableList.toImmutableList());
    }

    @PreDestroy
    @Override
    public void close() {
        retention.shutdownNow();
        dispatching.shutdownNow();
    }
}
