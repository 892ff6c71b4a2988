package org.jamesetrn.release.repository;

import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.inject.Inject;
import javax.inject.Singleton;
import javax.mail.MessagingException;

import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepository;
import org.apache.james.mailrepository.api.MailRepositoryStore;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.DeferredMailSource;
import org.jamesetrn.release.DomainSources;
import org.jamesetrn.release.ItemSelection;
import org.jamesetrn.release.ProbeOutcome;
import org.jamesetrn.release.ProbeOutcomes;
import org.jamesetrn.release.ReleaseConfiguration;
import org.jamesetrn.release.SourceFigures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.collect.ImmutableList;

/**
 * James's distributed pattern ({@code release.repositories} of etrn.properties): RemoteDelivery tries once and its
 * bounce processor's {@code ToRepository} keeps every node's temporary failures in one shared repository, which James's
 * docs reprocess on a schedule. Here a node's mail is selected in it by recipient (each mail is read: the work is
 * proportional to the repository, not the node) and released to {@code release.repositories.processor}, the processor
 * with the RemoteDelivery that parked it.
 *
 * <p>As James's own reprocess, a release sends the mail, then removes it from the repository: at least once. Releases
 * of this server never send one key twice (a key is taken by one release at a time); a crash between the two steps,
 * or a WebAdmin reprocess racing the release, can send a mail twice. The per-node hold ({@code HoldForEtrn}) has no such
 * window.</p>
 */
@Singleton
public class SharedRepositories extends DomainSources {
    private static final Logger LOGGER = LoggerFactory.getLogger(SharedRepositories.class);

    private final MailRepositoryStore store;
    private final MailetContext mailetContext;
    private final ReleaseConfiguration configuration;
    private final Set<String> taken = ConcurrentHashMap.newKeySet();

    @Inject
    public SharedRepositories(MailRepositoryStore store, MailetContext mailetContext, ReleaseConfiguration configuration) {
        this.store = store;
        this.mailetContext = mailetContext;
        this.configuration = configuration;
        if (!configuration.repositories().isEmpty()) {
            LOGGER.info("ETRN also releases a node's mail from the shared repositories {} to processor {}",
                configuration.repositories(), configuration.repositoriesProcessor());
        }
    }

    @Override
    protected List<DeferredMailSource> domainSources(Node node) {
        return configuration.repositories().stream()
            .map(SharedRepository::new)
            .collect(ImmutableList.toImmutableList());
    }

    private final class SharedRepository implements DeferredMailSource {
        private final MailRepositoryUrl url;

        SharedRepository(MailRepositoryUrl url) {
            this.url = url;
        }

        @Override
        public String name() {
            return url.asString();
        }

        private MailRepository repository() throws MessagingException {
            try {
                return store.select(url);
            } catch (MailRepositoryStore.MailRepositoryStoreException | RuntimeException e) {
                throw new MessagingException("cannot open " + url.asString(), e);
            }
        }

        @Override
        public Selection select(Node node) throws MessagingException {
            MailRepository repository = repository();
            ImmutableList.Builder<MailKey> selected = ImmutableList.builder();
            for (MailKey key : ImmutableList.copyOf(repository.list())) {
                Mail mail = repository.retrieve(key);
                if (mail != null) {
                    try {
                        if (node.coversAnyOf(mail.getRecipients())) {
                            selected.add(key);
                        }
                    } finally {
                        LifecycleUtil.dispose(mail);
                    }
                }
            }
            return new SharedSelection(repository, selected.build());
        }

        @Override
        public SourceFigures figures(Node node) throws MessagingException {
            MailRepository repository = repository();
            SourceFigures.Tally tally = new SourceFigures.Tally();
            for (MailKey key : ImmutableList.copyOf(repository.list())) {
                Mail mail = repository.retrieve(key);
                if (mail != null) {
                    try {
                        if (node.coversAnyOf(mail.getRecipients())) {
                            tally.add(mail.getMessageSize(), Optional.ofNullable(mail.getLastUpdated()).map(Date::toInstant).orElse(null));
                        }
                    } finally {
                        LifecycleUtil.dispose(mail);
                    }
                }
            }
            return tally.of(SourceFigures.Kind.REPOSITORY, name(), Optional.empty());
        }

        private final class SharedSelection extends ItemSelection<MailKey> {
            private final MailRepository repository;

            SharedSelection(MailRepository repository, List<MailKey> keys) {
                super(keys);
                this.repository = repository;
            }

            /** ToRepository stores a probe that failed again under the same key, tag included. */
            @Override
            protected ProbeWatch watch(MailKey key, ProbeOutcomes.Probe probe) {
                return () -> parkedAgain(key, probe);
            }

            @Override
            protected boolean dispatch(MailKey key, Optional<ProbeOutcomes.Probe> probe) throws MessagingException {
                String id = url.asString() + " " + key.asString();
                if (!taken.add(id)) {
                    return false;
                }
                try {
                    Mail mail = repository.retrieve(key);
                    if (mail == null) {
                        return false;
                    }
                    try {
                        probe.ifPresentOrElse(p -> mail.setAttribute(ProbeOutcomes.tag(p.id())),
                            () -> mail.removeAttribute(ProbeOutcomes.PROBE));
                        mailetContext.sendMail(mail, configuration.repositoriesProcessor());
                        repository.remove(key);
                        return true;
                    } finally {
                        LifecycleUtil.dispose(mail);
                    }
                } finally {
                    taken.remove(id);
                }
            }

            private Optional<ProbeOutcome> parkedAgain(MailKey key, ProbeOutcomes.Probe probe) throws MessagingException {
                Mail mail = repository.retrieve(key);
                if (mail == null) {
                    return Optional.empty();
                }
                try {
                    return ProbeOutcomes.probeId(mail).filter(probe.id()::equals).map(any -> ProbeOutcome.TEMPORARY_FAILURE);
                } finally {
                    LifecycleUtil.dispose(mail);
                }
            }
        }
    }
}
