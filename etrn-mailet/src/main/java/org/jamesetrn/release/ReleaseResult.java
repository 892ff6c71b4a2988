package org.jamesetrn.release;

import java.util.Optional;

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

    static ReleaseResult started(long count) {
        return new ReleaseResult(Status.STARTED, Optional.of(count));
    }

    static ReleaseResult of(Status status) {
        return new ReleaseResult(status, Optional.empty());
    }

    private final Status status;
    private final Optional<Long> count;

    private ReleaseResult(Status status, Optional<Long> count) {
        this.status = status;
        this.count = count;
    }

    public Status status() {
        return status;
    }

    /** Number of deferred mails whose delivery was started; present only when {@link Status#STARTED}. */
    public Optional<Long> count() {
        return count;
    }
}
