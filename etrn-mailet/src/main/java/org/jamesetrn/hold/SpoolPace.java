package org.jamesetrn.hold;

import java.time.Duration;
import java.util.Optional;

import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.ManageableMailQueue;
import org.jamesetrn.release.queue.QueueClasses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps James's spool short while a release hands held mail to it. A held mail leaves the hold when the outcome of
 * its delivery (RemoteDelivery's {@code onSuccess} copy) reaches {@link ReleaseOutcome}, through the spool; a kill
 * loses the outcomes still in a memory spool, and their mails are delivered again after the restart. Handing a
 * node's mail to the spool as fast as it can be read put the first deliveries' outcomes behind the rest of the
 * release: killed after 30 deliveries, 21 to 37 of them arrived twice. So each copy first waits, at most
 * {@link #MAX_WAIT}, until the spool holds fewer than {@link #ROOM} mails. Only on James's memory spool: a persistent
 * spool keeps its outcomes across a kill, and asking it for its size costs more.
 */
final class SpoolPace {
    static final SpoolPace NONE = new SpoolPace(null);
    /** About two rounds of the spool's threads (James's default concurrency is 8). */
    static final int ROOM = 16;
    /** A spool kept full by other mail slows a release down, never stops it. */
    static final Duration MAX_WAIT = Duration.ofSeconds(1);
    private static final Logger LOGGER = LoggerFactory.getLogger(SpoolPace.class);

    private final MailQueueFactory<? extends ManageableMailQueue> queues;
    /** Looked up at the first copy: James creates its spool queue after the extension's objects. */
    private volatile Optional<ManageableMailQueue> spool;

    private SpoolPace(MailQueueFactory<? extends ManageableMailQueue> queues) {
        this.queues = queues;
    }

    static SpoolPace of(MailQueueFactory<? extends ManageableMailQueue> queues) {
        return new SpoolPace(queues);
    }

    /** Whether copies wait for room: James's spool is a memory queue. */
    boolean paces() {
        return spool().isPresent();
    }

    private Optional<ManageableMailQueue> spool() {
        Optional<ManageableMailQueue> found = spool;
        if (found == null) {
            if (queues == null) {
                found = Optional.empty();
            } else {
                Optional<? extends ManageableMailQueue> queue = queues.getQueue(MailQueueFactory.SPOOL);
                if (queue.isEmpty()) {
                    return Optional.empty(); // not created yet: look again at the next copy
                }
                found = queue.filter(QueueClasses::isMemoryQueue).map(ManageableMailQueue.class::cast);
                LOGGER.info("Releases of held mail {}", found.isPresent()
                    ? "wait for room in James's memory spool (fewer than " + ROOM + " mails) before each copy"
                    : "do not pace the spool (" + queue.get().getClass().getName() + " keeps what it holds)");
            }
            spool = found;
        }
        return found;
    }

    /** Returns once the spool has room, or after {@link #MAX_WAIT}. */
    void awaitRoom() {
        Optional<ManageableMailQueue> paced = spool();
        if (paced.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + MAX_WAIT.toNanos();
        try {
            while (paced.get().getSize() >= ROOM && System.nanoTime() - deadline < 0) {
                Thread.sleep(1); // the spool's size, polled: James's queue tells no one when it shrinks
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOGGER.debug("Could not read the spool's size; not pacing this copy", e);
        }
    }
}
