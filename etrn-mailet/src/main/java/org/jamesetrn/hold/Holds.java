package org.jamesetrn.hold;

import java.io.Closeable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.annotation.PreDestroy;
import javax.inject.Inject;
import javax.inject.Provider;
import javax.inject.Singleton;
import javax.mail.MessagingException;

import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.mailrepository.api.MailRepositoryStore;
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
    private static final Logger LOGGER = LoggerFactory.getLogger(Holds.class);

    private final MailRepositoryStore store;
    private final FileSystem fileSystem;
    private final MailetContext mailetContext;
    private final ReleaseClaims claims;
    private final Provider<DeferredMailRelease> release;
    private final Map<String, Hold> holds = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retention = Executors.newSingleThreadScheduledExecutor(
        new ThreadFactoryBuilder().setDaemon(true).setNameFormat("etrn-hold-retention").build());

    @Inject
    public Holds(MailRepositoryStore store, FileSystem fileSystem, MailetContext mailetContext, ReleaseClaims claims,
                 Provider<DeferredMailRelease> release) {
        this.store = store;
        this.fileSystem = fileSystem;
        this.mailetContext = mailetContext;
        this.claims = claims;
        this.release = release;
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

    @Override
    protected List<DeferredMailSource> domainSources(Node node) {
        return holds.values().stream()
            .flatMap(hold -> hold.domainsOf(node).stream().map(domain -> new HoldSource(hold, domain)))
            .collect(ImmutableList.toImmutableList());
    }

    @PreDestroy
    @Override
    public void close() {
        retention.shutdownNow();
    }
}
