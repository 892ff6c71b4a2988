package org.jamesetrn.e2e;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

import org.jamesetrn.e2e.QueueProbe.QueuedMail;
import org.jamesetrn.kit.SmtpClient;

/** Puts mail on hold for a customer site the way it happens in production, and looks for it in the queues. */
final class Mails {
    /** A deferred mail waits for RemoteDelivery's first retry delay (1 hour in conf/); ETRN is all that is quicker. */
    static final Duration DEFERRED = Duration.ofMinutes(50);

    private Mails() {
    }

    /**
     * Submits {@code count} mails, one recipient each in {@code domain}; returns their Message-IDs. A mail's
     * Message-ID {@code <X@e2e.test>} and its recipient {@code X@domain} share X, so that the queues can be read
     * by envelope only.
     */
    static List<String> send(EtrnRelay relay, String domain, int count) {
        return send(relay.smtpPort(), domain, count);
    }

    /** The same, to the relay listening for SMTP on this port (a relay in another process: ActiveMQ, cluster). */
    static List<String> send(int smtpPort, String domain, int count) {
        List<String> messageIds = new ArrayList<>();
        try (SmtpClient client = EtrnRelay.connect(smtpPort)) {
            for (int i = 0; i < count; i++) {
                String id = UUID.randomUUID().toString();
                String messageId = "<" + id + "@e2e.test>";
                SmtpClient.Reply reply = client.send(EtrnRelay.SENDER, List.of(id + "@" + domain), messageId);
                if (reply.code() != 250) {
                    throw new IllegalStateException("James refused the mail: " + reply);
                }
                messageIds.add(messageId);
            }
        }
        return messageIds;
    }

    /** Sends while the MX is down and waits until RemoteDelivery has tried once and put every mail on hold. */
    static List<String> deferred(EtrnRelay relay, String domain, int count) {
        List<String> messageIds = send(relay, domain, count);
        awaitDeferred(relay, messageIds);
        return messageIds;
    }

    static void awaitDeferred(EtrnRelay relay, Collection<String> messageIds) {
        await().atMost(Duration.ofSeconds(30)).until(() -> deferredIds(relay).containsAll(messageIds));
    }

    /** Message-IDs of the mails waiting at least {@link #DEFERRED} after a failed attempt. */
    static List<String> deferredIds(EtrnRelay relay) throws Exception {
        ZonedDateTime later = ZonedDateTime.now().plus(DEFERRED);
        return waiting(relay).stream()
            .filter(mail -> mail.retries() >= 1 && mail.nextDelivery() != null && mail.nextDelivery().isAfter(later))
            .map(Mails::messageId)
            .collect(Collectors.toList());
    }

    /** The Message-ID of a mail sent by {@link #send}, from its recipient. */
    static String messageId(QueuedMail mail) {
        String recipient = mail.recipients().get(0);
        return "<" + recipient.substring(0, recipient.lastIndexOf('@')) + "@e2e.test>";
    }

    static List<QueuedMail> waiting(EtrnRelay relay) throws Exception {
        List<QueuedMail> all = new ArrayList<>();
        for (String queue : EtrnRelay.QUEUES) {
            all.addAll(relay.queues().waiting(queue));
        }
        return all;
    }

    static Optional<QueuedMail> waiting(EtrnRelay relay, String messageId) throws Exception {
        return waiting(relay).stream().filter(mail -> messageId(mail).equals(messageId)).findFirst();
    }

    /** The Message-IDs of several {@link #send}s, in order. */
    @SafeVarargs
    static List<String> concat(List<String>... messageIds) {
        List<String> all = new ArrayList<>();
        for (List<String> ids : messageIds) {
            all.addAll(ids);
        }
        return all;
    }

    static long queued(EtrnRelay relay) throws Exception {
        long size = 0;
        for (String queue : EtrnRelay.QUEUES) {
            size += relay.queues().size(queue);
        }
        return size;
    }
}
