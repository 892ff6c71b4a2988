package org.jamesetrn.e2e;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.james.core.MailAddress;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepository;
import org.apache.james.mailrepository.api.MailRepositoryStore;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.utils.GuiceProbe;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;

/**
 * Reads the hold's repositories from inside the server, through James's own MailRepositoryStore: which mails are held
 * for a node domain, with the attributes HoldForEtrn writes (read by name: our classes are not on the test classpath).
 * The shipped conf holds under {@value #ROOT}.
 */
public class HoldProbe implements GuiceProbe {
    static final String ROOT = "file://var/mail/etrn-hold/";
    /**
     * HoldForEtrn's one stored attribute: {@code <epoch millis held since> <warned 0|1> <domain> <first name>}; the
     * entry's generation is its key.
     */
    private static final AttributeName HELD = AttributeName.of("etrn.held");

    /** A held entry as the tests see it. */
    public static final class HeldEntry {
        private final String key;
        private final List<String> recipients;
        private final Instant since;
        private final String generation;

        HeldEntry(String key, List<String> recipients, Instant since, String generation) {
            this.key = key;
            this.recipients = recipients;
            this.since = since;
            this.generation = generation;
        }

        public String key() {
            return key;
        }

        public List<String> recipients() {
            return recipients;
        }

        /** When it first entered the hold: the expiry clock. */
        public Instant since() {
            return since;
        }

        /** The entry's identity and key: a new one after every attempt that leaves recipients held. */
        public String generation() {
            return generation;
        }

        /** The Message-ID of a mail sent by {@link Mails#send}, from its recipient. */
        public String messageId() {
            String recipient = recipients.get(0);
            return "<" + recipient.substring(0, recipient.lastIndexOf('@')) + "@e2e.test>";
        }

        @Override
        public String toString() {
            return key + " " + recipients + " since=" + since + " generation=" + generation;
        }
    }

    private final MailRepositoryStore store;

    @Inject
    public HoldProbe(MailRepositoryStore store) {
        this.store = store;
    }

    public List<HeldEntry> held(String domain) throws Exception {
        Optional<MailRepository> repository = store.get(MailRepositoryUrl.from(ROOT).subUrl(domain));
        if (repository.isEmpty()) {
            return List.of();
        }
        List<HeldEntry> entries = new ArrayList<>();
        Iterator<MailKey> keys = repository.get().list();
        while (keys.hasNext()) {
            Mail mail;
            try {
                mail = repository.get().retrieve(keys.next());
            } catch (Exception beingWritten) {
                continue; // James's file repository lists a key before its files exist: not held yet
            }
            if (mail == null) {
                continue;
            }
            try {
                entries.add(new HeldEntry(mail.getName(),
                    mail.getRecipients().stream().map(MailAddress::asString).collect(Collectors.toList()),
                    held(mail, 0).map(Long::parseLong).map(Instant::ofEpochMilli).orElse(null),
                    mail.getName()));
            } finally {
                LifecycleUtil.dispose(mail);
            }
        }
        return entries;
    }

    public List<String> heldMessageIds(String domain) throws Exception {
        return held(domain).stream().map(HeldEntry::messageId).collect(Collectors.toList());
    }

    /** Empties every hold repository, for the next test. */
    public void clear() throws Exception {
        MailRepositoryUrl root = MailRepositoryUrl.from(ROOT);
        for (MailRepositoryUrl url : store.getUrls().filter(url -> url.hasPrefix(root)).collect(Collectors.toList())) {
            store.select(url).removeAll();
        }
    }

    public long heldCount() throws Exception {
        MailRepositoryUrl root = MailRepositoryUrl.from(ROOT);
        long count = 0;
        for (MailRepositoryUrl url : store.getUrls().filter(url -> url.hasPrefix(root)).collect(Collectors.toList())) {
            count += store.select(url).size();
        }
        return count;
    }

    private static Optional<String> held(Mail mail, int part) {
        return mail.getAttribute(HELD).flatMap(a -> a.getValue().valueAs(String.class))
            .map(value -> value.split(" "))
            .filter(parts -> parts.length > part)
            .map(parts -> parts[part]);
    }
}
