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
import java.util.concurrent.locks.Lock;

import javax.mail.MessagingException;

import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepository;
import org.apache.james.mailrepository.api.MailRepositoryStore;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.jamesetrn.node.InvalidNodeException;
import org.jamesetrn.node.Node;
import org.jamesetrn.node.NodeSyntax;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.collect.ImmutableList;
import com.google.common.util.concurrent.Striped;

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
    private static final int REMOVE_ATTEMPTS = 8;

    private final HoldSettings settings;
    private final MailRepositoryStore store;
    private final ReleaseClaims claims;
    private final MailetContext mailetContext;
    private final Set<String> domains = ConcurrentHashMap.newKeySet();
    private final Striped<Lock> locks = Striped.lock(64);

    Hold(HoldSettings settings, MailRepositoryStore store, FileSystem fileSystem, ReleaseClaims claims,
         MailetContext mailetContext) {
        this.settings = settings;
        this.store = store;
        this.claims = claims;
        this.mailetContext = mailetContext;
        discover(fileSystem);
    }

    ReleaseClaims claims() {
        return claims;
    }

    /** Where released copies and DSN copies are sent. */
    MailetContext mailetContext() {
        return mailetContext;
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
     * Writes an entry: the mail's state set to the release processor (so James's reprocess of the repository sends it
     * there too), its name the entry's key. A mail held for the first time gets its generation; a mail written again
     * (back after a failed attempt, warned) keeps it, and keeps its expiry clock ({@link HeldMail#SINCE}).
     */
    void write(String domain, Mail mail, Instant since) throws MessagingException {
        mail.setName(key(domain, mail));
        Lock lock = lock(domain, mail.getName());
        try {
            store(domain, mail, since);
        } finally {
            lock.unlock();
        }
    }

    private void store(String domain, Mail mail, Instant since) throws MessagingException {
        HeldMail.set(mail, HeldMail.ROOT, root());
        HeldMail.set(mail, HeldMail.DOMAIN, domain);
        HeldMail.set(mail, HeldMail.KEY, mail.getName());
        if (HeldMail.string(mail, HeldMail.GENERATION).isEmpty()) {
            HeldMail.set(mail, HeldMail.GENERATION, UUID.randomUUID().toString());
        }
        HeldMail.setSince(mail, since);
        mail.removeAttribute(HeldMail.CLAIM);
        mail.setState(settings.releaseProcessor());
        repository(domain).store(mail);
        domains.add(domain);
    }

    private static String key(String domain, Mail mail) {
        return HeldMail.string(mail, HeldMail.KEY).orElse(mail.getName());
    }

    /**
     * Writes a released copy back after a failed attempt, under a new key, then removes the entry it was released from.
     * Never in place: James's reprocess of the repository removes each key after sending a copy of it, possibly after
     * this write; a new key cannot be removed that way, and the reprocessed copy carries the mail anyway. A crash
     * between the two steps leaves two entries of one mail: claims let only one be delivered, and the leftover is
     * removed as soon as a release or the retention meets it.
     */
    void writeAgain(HeldMail.Entry entry, Mail mail, Instant since) throws MessagingException {
        String key = HeldMail.nextKey(entry.key);
        mail.setName(key);
        HeldMail.set(mail, HeldMail.KEY, key);
        write(entry.domain, mail, since);
        removeIf(entry);
    }

    /**
     * An entry, read under its key's lock; empty when it is gone or cannot be read now. James's file repository deletes
     * an entry it fails to read, so that a read racing a write of the same key would delete the mail just written:
     * every read and write of this hold goes through one lock per key (James's own routes, outside this lock, only read
     * when an admin asks).
     */
    Optional<Mail> retrieve(String domain, MailKey key) {
        Lock lock = lock(domain, key.asString());
        try {
            return Optional.ofNullable(repository(domain).retrieve(key));
        } catch (MessagingException | RuntimeException e) {
            LOGGER.debug("Held mail {} for {} cannot be read now", key.asString(), domain, e);
            return Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    private Lock lock(String domain, String key) {
        Lock lock = locks.get(domain + "/" + key);
        lock.lock();
        return lock;
    }

    /**
     * Removes the entry if it still holds this mail (same generation). James's file repository refuses to remove a
     * key another thread is writing or removing (James's reprocess removes the keys it sent), and fails to read one
     * being removed: such a conflict is over within milliseconds, so the removal is tried again a few times.
     */
    void removeIf(HeldMail.Entry entry) throws MessagingException {
        Lock lock = lock(entry.domain, entry.key);
        try {
            removeIfLocked(entry);
        } finally {
            lock.unlock();
        }
    }

    private void removeIfLocked(HeldMail.Entry entry) throws MessagingException {
        MailRepository repository = repository(entry.domain);
        MailKey key = new MailKey(entry.key);
        MessagingException last = null;
        for (int attempt = 0; attempt < REMOVE_ATTEMPTS; attempt++) {
            try {
                Mail stored = repository.retrieve(key);
                if (stored == null) {
                    return;
                }
                try {
                    if (!HeldMail.string(stored, HeldMail.GENERATION).map(entry.generation::equals).orElse(true)) {
                        return;
                    }
                } finally {
                    LifecycleUtil.dispose(stored);
                }
                repository.remove(key);
                return;
            } catch (MessagingException | RuntimeException e) {
                if (!listed(repository, key)) {
                    return; // removed meanwhile (by James's reprocess, which sent a copy first)
                }
                last = e instanceof MessagingException ? (MessagingException) e : new MessagingException(e.getMessage(), e);
                pause(attempt);
            }
        }
        throw last;
    }

    /** Removes a leftover entry of a mail that left the hold; a failure is logged, the next pass tries again. */
    void removeQuietly(HeldMail.Entry entry) {
        try {
            removeIf(entry);
            LOGGER.info("Removed {} for {}: a leftover entry of a mail that left the hold already", entry.key, entry.domain);
        } catch (MessagingException e) {
            LOGGER.warn("Could not remove the leftover entry {} for {}", entry.key, entry.domain, e);
        }
    }

    private static boolean listed(MailRepository repository, MailKey key) {
        try {
            Iterator<MailKey> keys = repository.list();
            while (keys.hasNext()) {
                if (keys.next().equals(key)) {
                    return true;
                }
            }
            return false;
        } catch (MessagingException | RuntimeException e) {
            return true;
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(5L << Math.min(attempt, 6));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
