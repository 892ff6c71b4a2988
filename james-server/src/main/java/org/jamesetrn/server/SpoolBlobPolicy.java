package org.jamesetrn.server;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import javax.jms.JMSException;

import org.apache.activemq.blob.BlobDownloadStrategy;
import org.apache.activemq.blob.BlobTransferPolicy;
import org.apache.activemq.blob.BlobUploadStrategy;
import org.apache.activemq.command.ActiveMQBlobMessage;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.queue.activemq.FileSystemBlobTransferPolicy;

/**
 * James's blob transfer policy for its embedded broker (each queued mail's bytes in a file under
 * {@code var/store/activemq/blob-transfer}, written and deleted as James's does), with two changes:
 * <ul>
 * <li>the files are read through a buffer. James's {@code FileSystemBlobStrategy} hands the queue a bare
 * {@code FileInputStream}, and James reads a dequeued mail's header from it a byte at a time (JavaMail's
 * {@code LineInputStream}, when {@code MailImpl.setMessage} copies the message): one {@code read} system call per
 * header byte. Measured with {@code perf} on the persistent server's intake (docs/activemq.md, "System calls"): 61% of
 * the spool's dequeue thread.</li>
 * <li>a file written is synced to disk, and its folder, before ActiveMQ sends the message (docs/activemq.md, "Power
 * loss"). James never syncs it, and KahaDB's journal, which is synced before the 250, would then keep a message whose
 * file a power loss emptied.</li>
 * </ul>
 */
final class SpoolBlobPolicy extends FileSystemBlobTransferPolicy {
    /** James's location (its {@code EmbeddedActiveMQ}'s): blobs of mail queued before an upgrade stay where they are. */
    private static final String BLOB_TRANSFER_LOCATION = "file://var/store/activemq/blob-transfer";

    /** What brings a written file, or a folder's entries, to the disk. */
    @FunctionalInterface
    interface DiskSync {
        void force(Path path) throws IOException;
    }

    private final FileSystem fileSystem;
    private final DiskSync sync;

    SpoolBlobPolicy(FileSystem fileSystem) {
        this(fileSystem, SpoolBlobPolicy::fsync);
    }

    SpoolBlobPolicy(FileSystem fileSystem, DiskSync sync) {
        this.fileSystem = fileSystem;
        this.sync = sync;
        setFileSystem(fileSystem);
        setDefaultUploadUrl(BLOB_TRANSFER_LOCATION);
    }

    /** Each connection works with a copy of its factory's policy: the copy buffers too, and shares the uploads. */
    @Override
    public BlobTransferPolicy copy() {
        SpoolBlobPolicy copy = new SpoolBlobPolicy(fileSystem, sync);
        copy.setDefaultUploadUrl(getDefaultUploadUrl());
        copy.setBrokerUploadUrl(getBrokerUploadUrl());
        copy.setUploadUrl(getUploadUrl());
        copy.setUploadStrategy(getUploadStrategy());
        return copy;
    }

    /**
     * James's upload (the file written and closed, never synced), then the file and its folder synced: ActiveMQ uploads
     * before it sends the message to KahaDB, whose journal is synced before the 250, so the 250 now waits for both.
     */
    @Override
    protected BlobUploadStrategy createUploadStrategy() {
        BlobUploadStrategy files = super.createUploadStrategy();
        return new BlobUploadStrategy() {
            @Override
            public URL uploadFile(ActiveMQBlobMessage message, File file) throws JMSException, IOException {
                return synced(files.uploadFile(message, file));
            }

            @Override
            public URL uploadStream(ActiveMQBlobMessage message, InputStream in) throws JMSException, IOException {
                return synced(files.uploadStream(message, in));
            }
        };
    }

    private URL synced(URL uploaded) throws IOException {
        Path file;
        try {
            file = Path.of(uploaded.toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IOException("James's blob strategy gave " + uploaded + ", not a file: it cannot be synced", e);
        }
        sync.force(file);
        // A new file's name is in its folder: without the folder synced, the file may have no name after a power loss.
        sync.force(file.getParent());
        return uploaded;
    }

    @Override
    protected BlobDownloadStrategy createDownloadStrategy() {
        BlobDownloadStrategy files = super.createDownloadStrategy();
        return new BlobDownloadStrategy() {
            @Override
            public InputStream getInputStream(ActiveMQBlobMessage message) throws IOException, JMSException {
                return new BufferedInputStream(files.getInputStream(message));
            }

            @Override
            public void deleteFile(ActiveMQBlobMessage message) throws IOException, JMSException {
                files.deleteFile(message);
            }
        };
    }

    /** fsync(2) of a file or a folder (Linux opens a folder for reading, and syncs its entries). */
    static void fsync(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
