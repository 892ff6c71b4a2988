package org.jamesetrn.release;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** What the release said within the reply timeout. */
public final class ReleaseResult {
    public enum Status {
        /** The count of started mails is known. */
        STARTED,
        /** Not known within the reply timeout: the release goes on. */
        PENDING,
        /** The queue backend failed (ReleaseException): temporary. */
        FAILED,
        /** A #queue the release engine does not serve (UnknownQueueException). */
        UNKNOWN_QUEUE
    }

    static ReleaseResult started(Release release, long count) {
        return new ReleaseResult(Status.STARTED, Optional.of(count), Optional.of(release));
    }

    static ReleaseResult pending(Release release) {
        return new ReleaseResult(Status.PENDING, Optional.empty(), Optional.of(release));
    }

    static ReleaseResult of(Status status) {
        return new ReleaseResult(status, Optional.empty(), Optional.empty());
    }

    private final Status status;
    private final Optional<Long> count;
    private final Optional<Release> release;

    private ReleaseResult(Status status, Optional<Long> count, Optional<Release> release) {
        this.status = status;
        this.count = count;
        this.release = release;
    }

    /** Whether the release is over (its probe's outcome known, its dispatching done), waiting for it at most so long. */
    public boolean finishedWithin(Duration timeout) {
        if (release.isEmpty()) {
            return true;
        }
        try {
            release.get().dispatched().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | CancellationException e) {
            return true; // over, badly: the engine logged it
        }
    }

    public Status status() {
        return status;
    }

    /** Number of deferred mails whose delivery was started; present only when {@link Status#STARTED}. */
    public Optional<Long> count() {
        return count;
    }
}
