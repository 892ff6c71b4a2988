package org.jamesetrn.hold;

import java.io.File;
import java.io.FileNotFoundException;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import javax.mail.MessagingException;

import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepository;
import org.apache.james.mailrepository.api.MailRepositoryStore;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.mailet.Mail;
import org.jamesetrn.node.InvalidNodeException;
import org.jamesetrn.node.Node;
import org.jamesetrn.node.NodeSyntax;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.collect.ImmutableList;

/**
 * One hold: under its root, one James mail repository per node domain, {@code <root>/<domain>}. Any James repository
 * protocol works (memory, file, jpa, cassandra); the repository is the only index, so the hold costs no memory per
 * mail beyond the repository's own.
 *
 * <p>A domain becomes a repository path only once it parsed as an ETRN node (RFC 5321 letters, digits, hyphens and
 * dots, lower case): no {@code ..}, {@code /} or {@code %} can reach a path, and the case variants of a domain share
 * one repository.</p>
 */
final class Hold {
    private static final Logger LOGGER = LoggerFactory.getLogger(Hold.class);

    private final HoldSettings settings;
    private final MailRepositoryStore store;
    private final Set<String> domains = ConcurrentHashMap.newKeySet();

    Hold(HoldSettings settings, MailRepositoryStore store, FileSystem fileSystem) {
        this.settings = settings;
        this.store = store;
        discover(fileSystem);
    }

    HoldSettings settings() {
        return settings;
    }

    String root() {
        return settings.root().asString();
    }

    /** The node domain a recipient domain is held under; empty when it is no valid host name (an address literal...). */
    static Optional<String> nodeDomain(String recipientDomain) {
        try {
            Node node = NodeSyntax.parse(recipientDomain);
            return node.kind() == Node.Kind.DOMAIN ? Optional.of(node.name()) : Optional.empty();
        } catch (InvalidNodeException e) {
            return Optional.empty();
        }
    }

    /** The held domains this node covers: its own, or for {@code @d} d's and every subdomain's. */
    List<String> domainsOf(Node node) {
        if (node.kind() == Node.Kind.DOMAIN) {
            return domains.contains(node.name()) ? ImmutableList.of(node.name()) : ImmutableList.of();
        }
        return domains.stream()
            .filter(domain -> node.includes(Node.domain(domain)))
            .sorted()
            .collect(ImmutableList.toImmutableList());
    }

    Set<String> domains() {
        return domains;
    }

    MailRepository repository(String domain) throws MessagingException {
        try {
            return store.select(settings.root().subUrl(domain));
        } catch (MailRepositoryStore.MailRepositoryStoreException | RuntimeException e) {
            throw new MessagingException("cannot open the hold repository of " + domain + " under " + root(), e);
        }
    }

    /**
     * Writes an entry: a new generation, the mail's state set to the release processor (so James's reprocess of the
     * repository sends it there too), its name the entry's key. The expiry clock ({@link HeldMail#SINCE}) is kept.
     */
    void write(String domain, Mail mail, Instant since) throws MessagingException {
        mail.setName(key(domain, mail));
        HeldMail.set(mail, HeldMail.ROOT, root());
        HeldMail.set(mail, HeldMail.DOMAIN, domain);
        HeldMail.set(mail, HeldMail.KEY, mail.getName());
        HeldMail.set(mail, HeldMail.GENERATION, UUID.randomUUID().toString());
        HeldMail.setSince(mail, since);
        mail.removeAttribute(HeldMail.CLAIM);
        mail.setState(settings.releaseProcessor());
        repository(domain).store(mail);
        domains.add(domain);
    }

    private static String key(String domain, Mail mail) {
        return HeldMail.string(mail, HeldMail.KEY).orElse(mail.getName());
    }

    /** Removes the entry if it is still the generation the caller knows (a newer one was written meanwhile: kept). */
    void removeIf(HeldMail.Entry entry) throws MessagingException {
        MailRepository repository = repository(entry.domain);
        MailKey key = new MailKey(entry.key);
        Mail stored = repository.retrieve(key);
        if (stored == null) {
            return;
        }
        try {
            if (HeldMail.string(stored, HeldMail.GENERATION).map(entry.generation::equals).orElse(true)) {
                repository.remove(key);
            }
        } finally {
            org.apache.james.lifecycle.api.LifecycleUtil.dispose(stored);
        }
    }

    /** The keys held for a domain now. */
    List<MailKey> keys(String domain) throws MessagingException {
        ImmutableList.Builder<MailKey> keys = ImmutableList.builder();
        Iterator<MailKey> iterator = repository(domain).list();
        iterator.forEachRemaining(keys::add);
        return keys.build();
    }

    /**
     * The domains already held: those James's repository store knows (persistent for jpa and cassandra, since start-up
     * for memory and file), and for a file root the folders found under it, which are opened so that James's own
     * {@code /mailRepositories} routes list them again after a restart.
     */
    private void discover(FileSystem fileSystem) {
        MailRepositoryUrl root = settings.root();
        store.getUrls()
            .filter(url -> url.hasPrefix(root))
            .map(url -> url.getPath().parts())
            .filter(parts -> parts.size() == root.getPath().parts().size() + 1)
            .map(parts -> parts.get(parts.size() - 1))
            .flatMap(name -> nodeDomain(name).stream())
            .forEach(domains::add);
        if (!root.getProtocol().getValue().equals("file")) {
            return;
        }
        try {
            File folder = fileSystem.getFile(root.asString());
            File[] children = folder.listFiles(File::isDirectory);
            for (File child : children == null ? new File[0] : children) {
                Optional<String> domain = nodeDomain(child.getName());
                if (domain.isPresent() && domain.get().equals(child.getName())) {
                    repository(domain.get());
                    domains.add(domain.get());
                } else {
                    LOGGER.warn("Ignoring {} under the hold {}: not a node domain", child.getName(), root());
                }
            }
        } catch (FileNotFoundException e) {
            LOGGER.debug("No hold folder yet under {}", root());
        } catch (MessagingException e) {
            LOGGER.error("Cannot open a held domain under {}", root(), e);
        }
    }
}
