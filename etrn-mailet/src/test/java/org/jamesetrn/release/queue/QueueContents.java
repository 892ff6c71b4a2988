package org.jamesetrn.release.queue;

import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.mailet.Mail;

/** A snapshot of a queue by mail name; fails on a name seen twice (a duplicated mail). */
final class QueueContents {
    static QueueContents of(ManageableMailQueue queue) throws Exception {
        Map<String, Mail> mails = new HashMap<>();
        Map<String, Optional<ZonedDateTime>> deliveries = new HashMap<>();
        ManageableMailQueue.MailQueueIterator iterator = queue.browse();
        try {
            while (iterator.hasNext()) {
                ManageableMailQueue.MailQueueItemView view = iterator.next();
                String name = view.getMail().getName();
                if (mails.put(name, view.getMail()) != null) {
                    throw new AssertionError("mail " + name + " is twice in " + queue.getName().asString());
                }
                deliveries.put(name, view.getNextDelivery());
            }
        } finally {
            iterator.close();
        }
        return new QueueContents(mails, deliveries);
    }

    private final Map<String, Mail> mails;
    private final Map<String, Optional<ZonedDateTime>> deliveries;

    private QueueContents(Map<String, Mail> mails, Map<String, Optional<ZonedDateTime>> deliveries) {
        this.mails = mails;
        this.deliveries = deliveries;
    }

    Set<String> names() {
        return mails.keySet();
    }

    Mail mail(String name) {
        return mails.get(name);
    }

    /** Due now: released (or never deferred). */
    Set<String> due() {
        ZonedDateTime soon = ZonedDateTime.now().plusMinutes(1);
        return deliveries.entrySet().stream()
            .filter(entry -> entry.getValue().map(next -> next.isBefore(soon)).orElse(true))
            .map(Map.Entry::getKey)
            .collect(Collectors.toSet());
    }

    Set<String> deferred() {
        return names().stream().filter(name -> !due().contains(name)).collect(Collectors.toSet());
    }
}
