package org.jamesetrn.hold;

import java.io.File;
import java.io.FileNotFoundException;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.stream.Collectors;

import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepository;
import org.apache.james.mailrepository.api.MailRepositoryStore;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.server.core.MailImpl;
import org.apache.james.server.core.MimeMessageWrapper;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.jamesetrn.node.Node;
import org.jamesetrn.node.NodeSyntax;
import org.jamesetrn.release.ProbeOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.collect.ImmutableList;
import com.google.common.util.concurrent.Striped;

/**
 * One hold: under its root, one James mail repository per node domain, {@code <root>/<domain>}, holding
 * {@link HeldEntry entries}. Any James repository protocol works (memory, file, jpa, cassandra); the repository is the
 * only index, so the hold costs no memory per mail beyond the repository's own.
 *
 * <p>This class carries out the entries' transitions on the store, in the order their invariants ask: a successor is
 * stored, then its predecessor's claim ends, then the predecessor is removed. A crash between two steps leaves at
 * worst an entry that is delivered again (never one lost): the crash windows docs/hold.md measures.</p>
 *
 * <p>A domain becomes a repository path only once it parsed as an ETRN node (RFC 5321 letters, digits, hyphens and
 * dots, lower case): no {@code ..}, {@code /} or {@code %} can reach a path, and the case variants of a domain share
 * one repository.</p>
 */
final class Hold {
    /** James's RemoteDelivery attributes that DSNBounce reads for the diagnostic and its status (Bouncer). */
    static final AttributeName DELIVERY_ERROR = AttributeName.of("delivery-error");
    static final AttributeName DELIVERY_ERROR_CODE = AttributeName.of("delivery-error-code");
    private static final Logger LOGGER = LoggerFactory.getLogger(Hold.class);
    private static final int REMOVE_ATTEMPTS = 8;
    /** The health check's repository under the root: never a node domain. */
    static final String HEALTH = "_health";

    private final HoldSettings settings;
    private final MailRepositoryStore store;
    private final HeldFiles files;
    private final ReleaseClaims claims;
    private final Leases leases;
    private final MailetContext mailetContext;
    /** The domains that hold mail (or may: found in James's store, not yet counted). */
    private final Set<String> domains = ConcurrentHashMap.newKeySet();
    /** Domains whose repository a retention pass found empty: forgotten until mail is held for them again. */
    private final Set<String> forgotten = ConcurrentHashMap.newKeySet();
    private final HeldCounts counts = new HeldCounts();
    private final Striped<Lock> locks = Striped.lock(64);
    /** Domains whose last write failed (and when): RCPT TO for them is answered 451 until a write succeeds. */
    private final Map<String, Long> unwritable = new ConcurrentHashMap<>();
    private volatile boolean unlistable;

    Hold(HoldSettings settings, MailRepositoryStore store, HeldFiles files, FileSystem fileSystem, ReleaseClaims claims,
         Leases leases, MailetContext mailetContext) {
        this.settings = settings;
        this.store = store;
        this.files = files;
        this.claims = claims;
        this.leases = leases;
        this.mailetContext = mailetContext;
        discover(fileSystem);
        if (files.areFiles()) {
            // At start: James's file repository still writes an entry's files where HeldFiles syncs them. A store that
            // cannot be written now is the health check's to report, and each write's to refuse (451).
            try {
                probeStore();
            } catch (HeldFiles.NotFound e) {
                throw new IllegalStateException("The hold " + root() + " cannot start: " + e.getMessage(), e);
            } catch (MessagingException | RuntimeException e) {
                LOGGER.error("The hold {} could not store its probe entry at start", root(), e);
            }
        }
    }

    ReleaseClaims claims() {
        return claims;
    }

    Leases leases() {
        return leases;
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

    /** The held domains this node covers: its own, or for {@code @d} d's and every subdomain's. */
    List<String> domainsOf(Node node) {
        refresh();
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

    // -------------------------------------------------------------------------------------------- reading entries

    /** The keys held for a domain now. */
    List<MailKey> keys(String domain) throws MessagingException {
        ImmutableList.Builder<MailKey> keys = ImmutableList.builder();
        Iterator<MailKey> iterator = repository(domain).list();
        iterator.forEachRemaining(keys::add);
        return keys.build();
    }

    /**
     * The mail under a key, read under the key's lock; empty when it is gone or cannot be read now. James's file
     * repository deletes an entry it fails to read, so that a read racing a write of the same key would delete the
     * mail just written: every read and write of this hold goes through one lock per key (James's own routes, outside
     * this lock, only read when an admin asks).
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

    /** Whether the entry is still stored: a copy whose entry is gone ended already. Throws when it cannot be read. */
    boolean isStored(HeldEntry entry) throws MessagingException {
        Lock lock = lock(entry.domain(), entry.key());
        try {
            Mail stored = repository(entry.domain()).retrieve(new MailKey(entry.key()));
            LifecycleUtil.dispose(stored);
            return stored != null;
        } finally {
            lock.unlock();
        }
    }

    /** A stored entry and the mail it was read from (dispose the mail). */
    static final class Stored {
        final HeldEntry entry;
        final Mail mail;

        Stored(HeldEntry entry, Mail mail) {
            this.entry = entry;
            this.mail = mail;
        }
    }

    /**
     * The entry under a key, in this build's form: an entry of an earlier build is replaced by its successor first (a
     * claim on the earlier one keeps this from racing an attempt of an earlier build's copy). Empty when the key holds
     * nothing, no held entry, or an earlier entry that is being delivered.
     */
    Optional<Stored> entry(String domain, MailKey key) throws MessagingException {
        Mail mail = retrieve(domain, key).orElse(null);
        if (mail == null) {
            return Optional.empty();
        }
        Optional<HeldEntry> entry = HeldEntry.stored(root(), domain, key.asString(), mail);
        if (entry.isEmpty()) {
            LOGGER.warn("Mail {} in {} is no held entry (not written by HoldForEtrn): left alone", key.asString(),
                settings.root().subUrl(domain).asString());
            LifecycleUtil.dispose(mail);
            return Optional.empty();
        }
        if (!entry.get().isEarlierForm()) {
            return Optional.of(new Stored(entry.get(), mail));
        }
        Optional<HeldEntry> successor;
        try {
            successor = takeOver(entry.get(), mail);
        } catch (MessagingException | RuntimeException e) {
            LifecycleUtil.dispose(mail);
            throw e;
        }
        if (successor.isEmpty()) {
            LifecycleUtil.dispose(mail); // claimed by an attempt under way, or gone: nothing of it is handed on
            return Optional.empty();
        }
        return Optional.of(new Stored(successor.get(), mail));
    }

    /**
     * Replaces an entry by the same recipients under a new generation (an entry of an earlier build; one James's
     * reprocess sent and will remove), under a claim on it; empty when it is claimed by an attempt under way, or left
     * the hold already.
     */
    Optional<HeldEntry> takeOver(HeldEntry entry, Mail content) throws MessagingException {
        String token = UUID.randomUUID().toString();
        if (claims.isEnded(entry.generation()) || !claims.claim(entry.generation(), token)) {
            return Optional.empty();
        }
        HeldEntry successor = entry.renewed();
        try {
            transition(entry, Optional.of(successor), content);
        } catch (MessagingException | RuntimeException e) {
            claims.abandon(entry.generation(), token);
            throw e;
        }
        LOGGER.debug("Held mail {} for {} taken over as {}", entry.key(), entry.domain(), successor.generation());
        return Optional.of(successor);
    }

    // ------------------------------------------------------------------------------------------------ transitions

    /**
     * Stores an entry, the content of {@code content} (left as it is) with the entry's recipients and state. Storing the
     * same entry again (the same generation: a retry after a failure part-way) writes the same mail again.
     */
    void store(HeldEntry entry, Mail content) throws MessagingException {
        Optional<Mail> sharing = sharingContent(content);
        Mail stored = sharing.isPresent() ? sharing.get() : content.duplicate();
        Lock lock = lock(entry.domain(), entry.generation());
        try {
            MailKey key = repository(entry.domain()).store(entry.writeStored(stored, settings.releaseProcessor()));
            // On disk before HoldForEtrn returns, so before the spool lets the mail go (HeldFiles).
            files.synced(settings.root().subUrl(entry.domain()), key);
            domains.add(entry.domain());
            forgotten.remove(entry.domain());
            unwritable.remove(entry.domain());
            counts.stored(entry.domain(), size(content), entry.since());
        } catch (MessagingException | RuntimeException e) {
            unwritable.put(entry.domain(), System.currentTimeMillis());
            throw e;
        } finally {
            lock.unlock();
            if (sharing.isEmpty()) {
                LifecycleUtil.dispose(stored);
            }
        }
    }

    /**
     * A mail with the envelope and attributes of {@code content} (copies: the entry writes its own onto them) and the
     * very same message: the repository only reads it. James's {@code duplicate} copies the message first (read from
     * the spool's file and written again, after a {@code saveChanges} when a mailet touched a header, as conf/'s
     * RemoveMimeHeader of bcc does for every relayed mail): a tenth of the persistent server's CPU per held mail,
     * measured (docs/activemq.md, "Holding at intake speed"). Never disposed: the message stays {@code content}'s.
     * Empty when {@code content} is no James mail with James's message (then it is duplicated).
     */
    private static Optional<Mail> sharingContent(Mail content) throws MessagingException {
        if (!(content instanceof MailImpl) || !(content.getMessage() instanceof MimeMessageWrapper)) {
            return Optional.empty();
        }
        MailImpl envelope = MailImpl.duplicateWithoutMessage(content).build();
        envelope.setMessageNoCopy((MimeMessageWrapper) content.getMessage());
        return Optional.of(envelope);
    }

    /**
     * Ends an entry: its successor (if any) is stored, then its claim ends (a late copy of it is dropped from now on),
     * then it is removed. Each step may be done again: a failure part-way is retried from the start.
     */
    void transition(HeldEntry entry, Optional<HeldEntry> successor, Mail content) throws MessagingException {
        transition(entry, successor, content, Optional.empty());
    }

    /** The same for an attempt's outcome: its verdict stays with the ended claim (probe first, on any server). */
    void transition(HeldEntry entry, Optional<HeldEntry> successor, Mail content, Optional<ProbeOutcome> verdict)
            throws MessagingException {
        if (successor.isPresent()) {
            store(successor.get(), content);
        }
        if (verdict.isPresent()) {
            claims.end(entry.generation(), verdict.get());
        } else {
            claims.end(entry.generation());
        }
        remove(entry);
        counts.removed(entry.domain(), size(content));
    }

    /**
     * The message's size for the counts: what the repository writes. When a mailet touched a header (conf/'s
     * RemoveMimeHeader of bcc does, for every relayed mail) James's {@code getMessageSize} opens the source again and
     * parses its whole header block to learn how long it was, at each call: about 20 us against 2 us here, timed in a
     * warm loop (docs/activemq.md, "System calls"). James recorded that length when it loaded the headers, and
     * the body's size ({@code getSize}) is the source's less it: the size is that body, the current header lines and
     * the blank line between. The same figure as James's for headers in US-ASCII with CRLF line ends (the only ones
     * SMTP carries unencoded); any difference is corrected by the next retention count.
     */
    static long size(Mail mail) {
        try {
            MimeMessage message = mail.getMessage();
            if (message instanceof MimeMessageWrapper && ((MimeMessageWrapper) message).isHeaderModified()) {
                int body = message.getSize();
                if (body >= 0) {
                    return body + headerBlockSize(message);
                }
            }
            return mail.getMessageSize();
        } catch (MessagingException | RuntimeException e) {
            return 0;
        }
    }

    private static long headerBlockSize(MimeMessage message) throws MessagingException {
        long size = 2; // the blank line ending the headers
        Enumeration<String> lines = message.getAllHeaderLines();
        while (lines.hasMoreElements()) {
            size += lines.nextElement().length() + 2;
        }
        return size;
    }

    /** One copy for the refused processor per distinct reply, each with its recipients and the site's reply. */
    void sendDsns(HeldEntry entry, AttemptOutcome outcome, Mail content) throws MessagingException {
        List<MailAddress> refused = entry.refusedForGood(outcome);
        if (refused.isEmpty() || !content.hasSender()) {
            return;
        }
        Map<String, List<MailAddress>> byReply = refused.stream()
            .collect(Collectors.groupingBy(outcome.refusedForGood()::get, java.util.LinkedHashMap::new, Collectors.toList()));
        for (Map.Entry<String, List<MailAddress>> reply : byReply.entrySet()) {
            Mail dsn = HeldEntry.strip(content.duplicate());
            try {
                HeldEntry.DELIVERY_STATE.forEach(dsn::removeAttribute);
                dsn.setRecipients(reply.getValue());
                dsn.setAttribute(new Attribute(DELIVERY_ERROR, AttributeValue.of(reply.getKey())));
                replyCode(reply.getKey()).ifPresent(code ->
                    dsn.setAttribute(new Attribute(DELIVERY_ERROR_CODE, AttributeValue.of(code))));
                mailetContext.sendMail(dsn, settings.refusedProcessor());
            } finally {
                LifecycleUtil.dispose(dsn);
            }
        }
        LOGGER.info("Held mail {} for {}: {} refused for good, the sender is told through processor {}", entry.name(),
            entry.domain(), refused, settings.refusedProcessor());
    }

    private static Optional<Integer> replyCode(String reply) {
        if (reply.length() >= 3 && reply.substring(0, 3).chars().allMatch(Character::isDigit)) {
            return Optional.of(Integer.parseInt(reply.substring(0, 3)));
        }
        return Optional.empty();
    }

    /**
     * Removes an entry. James's file repository refuses to remove a key another thread is removing (James's reprocess
     * removes the keys it sent), and fails to read one being removed: such a conflict is over within milliseconds, so
     * the removal is tried again a few times.
     */
    void remove(HeldEntry entry) throws MessagingException {
        Lock lock = lock(entry.domain(), entry.key());
        try {
            MailRepository repository = repository(entry.domain());
            MailKey key = new MailKey(entry.key());
            MessagingException last = null;
            for (int attempt = 0; attempt < REMOVE_ATTEMPTS; attempt++) {
                try {
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
        } finally {
            lock.unlock();
        }
    }

    /** Removes an entry whose generation ended (its successor, if any, is stored); a failure: the next pass tries. */
    void removeLeftover(HeldEntry entry) {
        try {
            remove(entry);
            counts.removed(entry.domain(), 0);
            LOGGER.info("Removed {} for {}: an entry whose attempt ended already (its recipients left or moved to its "
                + "successor)", entry.key(), entry.domain());
        } catch (MessagingException e) {
            LOGGER.warn("Could not remove the ended entry {} for {}", entry.key(), entry.domain(), e);
        }
    }

    // ------------------------------------------------------------------------------------------ claims and copies

    /**
     * Claims the entry under {@code key} for one attempt and makes the copy that goes out: the stored mail with the
     * entry and its claim written on it, renewed by this server until the attempt's outcome is stored. Empty when the
     * entry is gone, claimed by an attempt under way, or ended (a leftover, removed now).
     */
    Optional<HeldEntry.Copy> take(String domain, MailKey key, HandOut handOut) throws MessagingException {
        Optional<Stored> stored = entry(domain, key);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        HeldEntry entry = stored.get().entry;
        Mail mail = stored.get().mail;
        try {
            String token = UUID.randomUUID().toString();
            if (!claims.claim(entry.generation(), token)) {
                if (claims.isEnded(entry.generation())) {
                    removeLeftover(entry);
                }
                return Optional.empty();
            }
            leases.hold(entry.generation(), token);
            try {
                handOut.accept(entry.writeCopy(mail, token));
            } catch (MessagingException | RuntimeException e) {
                leases.drop(entry.generation(), token);
                claims.abandon(entry.generation(), token);
                throw e;
            }
            return Optional.of(new HeldEntry.Copy(entry, token));
        } finally {
            LifecycleUtil.dispose(mail);
        }
    }

    /** Where a claimed copy goes: the spool (a release), an ATRN connection. */
    @FunctionalInterface
    interface HandOut {
        void accept(Mail copy) throws MessagingException;
    }

    /** The attempt did not take place: the claim is freed, the entry untouched. */
    void abandon(HeldEntry.Copy copy) {
        leases.drop(copy.entry.generation(), copy.token);
        claims.abandon(copy.entry.generation(), copy.token);
    }

    // --------------------------------------------------------------------------------------------------- intake

    /**
     * Whether mail for this domain can be stored now: not while its last write failed, nor while the hold's domains
     * cannot be listed (the store is down), until a write or a listing succeeds again.
     */
    boolean canStore(String domain) {
        return !unwritable.containsKey(domain) && !(unlistable && domains.contains(domain));
    }

    /** Whether the domain holds as much as {@code maxMailsPerNode} or {@code maxBytesPerNode} allow. */
    boolean isFull(String domain) {
        HeldCounts.Counts held = counts.of(domain);
        return settings.maxMailsPerNode().map(max -> held.mails >= max).orElse(false)
            || settings.maxBytesPerNode().map(max -> held.bytes >= max).orElse(false);
    }

    /** The domains whose last write failed. */
    java.util.Set<String> unwritableDomains() {
        return unwritable.keySet();
    }

    /**
     * Lists the held domains and stores (on a file:// hold, syncs: {@link HeldFiles}) and removes a probe entry in
     * {@code <root>/_health} (no node domain: an underscore is no host-name character), for the health check and, on a
     * file:// hold, at start; throws when the store cannot do either.
     */
    void probeStore() throws MessagingException {
        refresh();
        MailRepository repository;
        try {
            repository = store.select(settings.root().subUrl(HEALTH));
        } catch (MailRepositoryStore.MailRepositoryStoreException | RuntimeException e) {
            throw new MessagingException("cannot open " + settings.root().subUrl(HEALTH).asString(), e);
        }
        Mail probe = MailImpl.builder()
            .name("health-probe")
            .mimeMessage(org.apache.james.core.builder.MimeMessageBuilder.mimeMessageBuilder().setText("health").build())
            .build();
        try {
            MailKey key = repository.store(probe);
            try {
                files.synced(settings.root().subUrl(HEALTH), key);
            } finally {
                repository.remove(key);
            }
        } finally {
            LifecycleUtil.dispose(probe);
        }
    }

    /** What is held for a domain, as counted (no mail read). */
    HeldCounts.Counts counts(String domain) {
        return counts.of(domain);
    }

    /** A retention pass counted the domain's repository: its counts from now on; an empty domain is forgotten. */
    void counted(String domain, HeldCounts.Counts found) {
        if (found.mails == 0) {
            domains.remove(domain);
            forgotten.add(domain);
            counts.forget(domain);
        } else {
            counts.counted(domain, found);
        }
    }

    // ---------------------------------------------------------------------------------------------------- locks

    private Lock lock(String domain, String key) {
        Lock lock = locks.get(domain + "/" + key);
        lock.lock();
        return lock;
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

    // ---------------------------------------------------------------------------------------------------- domains

    /**
     * Adds the held domains James's repository store lists under the root. The store's list of repositories is
     * persistent for jpa and cassandra, since start-up for memory and file; with cassandra it is shared by every server
     * of a cluster, so a domain first held through another server is found here too. Read before every release and
     * every retention pass; throws when the store cannot be read (a release then answers 458, and RCPT TO for a held
     * domain 451).
     */
    void refresh() {
        MailRepositoryUrl root = settings.root();
        try {
            store.getUrls()
                .filter(url -> url.hasPrefix(root))
                .map(url -> url.getPath().parts())
                .filter(parts -> parts.size() == root.getPath().parts().size() + 1)
                .map(parts -> parts.get(parts.size() - 1))
                .flatMap(name -> NodeSyntax.hostName(name).stream())
                .filter(domain -> !domains.contains(domain))
                .filter(domain -> !forgotten.contains(domain) || holdsMail(domain))
                .forEach(domain -> {
                    forgotten.remove(domain);
                    domains.add(domain);
                });
            unlistable = false;
        } catch (RuntimeException e) {
            unlistable = true;
            throw e;
        }
    }

    /** Whether a domain's repository holds mail now (James's repositories count their mails cheaply). */
    private boolean holdsMail(String domain) {
        try {
            return repository(domain).size() > 0;
        } catch (MessagingException | RuntimeException e) {
            return true;
        }
    }

    /**
     * The domains already held: those James's repository store knows ({@link #refresh}), and for a file root the
     * folders found under it, which are opened so that James's own {@code /mailRepositories} routes list them again
     * after a restart.
     */
    private void discover(FileSystem fileSystem) {
        MailRepositoryUrl root = settings.root();
        refresh();
        if (!root.getProtocol().getValue().equals("file")) {
            return;
        }
        try {
            File folder = fileSystem.getFile(root.asString());
            File[] children = folder.listFiles(File::isDirectory);
            for (File child : children == null ? new File[0] : children) {
                Optional<String> domain = NodeSyntax.hostName(child.getName());
                String[] files = child.list();
                if (domain.isPresent() && domain.get().equals(child.getName()) && files != null && files.length == 0
                    && child.delete()) {
                    LOGGER.debug("Removed the empty folder of {} under the hold {}", domain.get(), root());
                } else if (domain.isPresent() && domain.get().equals(child.getName())) {
                    repository(domain.get());
                    domains.add(domain.get());
                } else if (!child.getName().equals(HEALTH)) {
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
