package org.jamesetrn.server.rabbitmq;

import java.io.InputStream;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.james.blob.api.BlobId;
import org.apache.james.blob.api.BlobStore;
import org.apache.james.blob.api.BucketName;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.io.ByteSource;

import reactor.core.publisher.Mono;

/**
 * The mail queues' contents, deleted {@link #GRACE} after their mail left the queue instead of at once.
 *
 * <p>Why: James's RabbitMQ queue deletes a mail's contents when its consumer acknowledges it. When RabbitMQ restarts
 * while mails are being processed, the acknowledgements sent on the dying connection are lost and RabbitMQ delivers
 * those mails again; James's dequeue reads a mail's contents before it looks whether the mail was already done, so the
 * second delivery found its contents gone: "Fail to load mail", put back at once, delivered again, hundreds of
 * thousands of times a minute on both servers (ClusterIntakeTest's RabbitMQ restart, before this). With the contents
 * still there, the second delivery loads, James's view says the mail is done, and it is acknowledged quietly.</p>
 *
 * <p>The delay is kept in memory: the contents of mails dequeued in the last {@link #GRACE} before a server stops or
 * dies stay in Cassandra (a few kilobytes each; James's blob garbage collection is not wired in this server).</p>
 */
final class LateDeletion implements BlobStore {
    /** Far longer than RabbitMQ takes to deliver again what a lost connection had not acknowledged. */
    static final Duration GRACE = Duration.ofMinutes(5);
    private static final Duration SWEEP_EVERY = Duration.ofSeconds(5);
    private static final Logger LOGGER = LoggerFactory.getLogger(LateDeletion.class);

    private static final class Pending {
        final long dueNanos;
        final BucketName bucket;
        final BlobId blob;

        Pending(long dueNanos, BucketName bucket, BlobId blob) {
            this.dueNanos = dueNanos;
            this.bucket = bucket;
            this.blob = blob;
        }
    }

    private final BlobStore blobs;
    /** In the order of their deletion: every deletion waits the same grace. */
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();

    LateDeletion(BlobStore blobs) {
        this.blobs = blobs;
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "mail-queue-content-deletion");
            thread.setDaemon(true);
            return thread;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_EVERY.toMillis(), SWEEP_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public Publisher<Boolean> delete(BucketName bucketName, BlobId blobId) {
        pending.add(new Pending(System.nanoTime() + GRACE.toNanos(), bucketName, blobId));
        return Mono.just(true);
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Pending next = pending.peek(); next != null && next.dueNanos - now <= 0; next = pending.peek()) {
            pending.poll();
            Pending due = next;
            Mono.from(blobs.delete(due.bucket, due.blob))
                .doOnError(e -> LOGGER.warn("Could not delete the contents {} of a dequeued mail: {}", due.blob.asString(), e.toString()))
                .onErrorResume(e -> Mono.empty())
                .block();
        }
    }

    @Override
    public Publisher<BlobId> save(BucketName bucketName, byte[] data, StoragePolicy storagePolicy) {
        return blobs.save(bucketName, data, storagePolicy);
    }

    @Override
    public Publisher<BlobId> save(BucketName bucketName, InputStream data, StoragePolicy storagePolicy) {
        return blobs.save(bucketName, data, storagePolicy);
    }

    @Override
    public Publisher<BlobId> save(BucketName bucketName, ByteSource data, StoragePolicy storagePolicy) {
        return blobs.save(bucketName, data, storagePolicy);
    }

    @Override
    public Publisher<byte[]> readBytes(BucketName bucketName, BlobId blobId) {
        return blobs.readBytes(bucketName, blobId);
    }

    @Override
    public InputStream read(BucketName bucketName, BlobId blobId) {
        return blobs.read(bucketName, blobId);
    }

    @Override
    public Publisher<InputStream> readReactive(BucketName bucketName, BlobId blobId) {
        return blobs.readReactive(bucketName, blobId);
    }

    @Override
    public BucketName getDefaultBucketName() {
        return blobs.getDefaultBucketName();
    }

    @Override
    public Publisher<BucketName> listBuckets() {
        return blobs.listBuckets();
    }

    @Override
    public Publisher<Void> deleteBucket(BucketName bucketName) {
        return blobs.deleteBucket(bucketName);
    }

    @Override
    public Publisher<BlobId> listBlobs(BucketName bucketName) {
        return blobs.listBlobs(bucketName);
    }
}
