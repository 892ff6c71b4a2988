package org.jamesetrn.server;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;

import javax.jms.JMSException;

import org.apache.activemq.blob.BlobDownloadStrategy;
import org.apache.activemq.blob.BlobTransferPolicy;
import org.apache.activemq.command.ActiveMQBlobMessage;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.queue.activemq.FileSystemBlobTransferPolicy;

/**
 * James's blob transfer policy for its embedded broker (each queued mail's bytes in a file under
 * {@code var/store/activemq/blob-transfer}, written and deleted as James's does), with the files read through a
 * buffer. James's {@code FileSystemBlobStrategy} hands the queue a bare {@code FileInputStream}, and James reads a
 * dequeued mail's header from it a byte at a time (JavaMail's {@code LineInputStream}, when {@code MailImpl.setMessage}
 * copies the message): one {@code read} system call per header byte. Measured with {@code perf} on the persistent
 * server's intake (docs/activemq.md, "System calls"): 61% of the spool's dequeue thread.
 */
final class BufferedBlobTransferPolicy extends FileSystemBlobTransferPolicy {
    /** James's location (its {@code EmbeddedActiveMQ}'s): blobs of mail queued before an upgrade stay where they are. */
    private static final String BLOB_TRANSFER_LOCATION = "file://var/store/activemq/blob-transfer";

    private final FileSystem fileSystem;

    BufferedBlobTransferPolicy(FileSystem fileSystem) {
        this.fileSystem = fileSystem;
        setFileSystem(fileSystem);
        setDefaultUploadUrl(BLOB_TRANSFER_LOCATION);
    }

    /** Each connection works with a copy of its factory's policy: the copy buffers too, and shares the uploads. */
    @Override
    public BlobTransferPolicy copy() {
        BufferedBlobTransferPolicy copy = new BufferedBlobTransferPolicy(fileSystem);
        copy.setDefaultUploadUrl(getDefaultUploadUrl());
        copy.setBrokerUploadUrl(getBrokerUploadUrl());
        copy.setUploadUrl(getUploadUrl());
        copy.setUploadStrategy(getUploadStrategy());
        return copy;
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
}
