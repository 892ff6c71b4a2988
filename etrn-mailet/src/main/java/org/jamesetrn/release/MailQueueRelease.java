package org.jamesetrn.release;

import java.util.concurrent.CompletableFuture;

import javax.inject.Inject;

/** FOUNDATION PLACEHOLDER, replaced by the release engine (issue 4): releases nothing yet. */
public class MailQueueRelease implements DeferredMailRelease {
    @Inject
    public MailQueueRelease() {
    }

    @Override
    public CompletableFuture<Long> release(Node node) {
        return CompletableFuture.failedFuture(new ReleaseException("release engine not implemented yet"));
    }
}
