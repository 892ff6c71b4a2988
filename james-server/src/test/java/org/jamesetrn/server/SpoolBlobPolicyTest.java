package org.jamesetrn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.activemq.blob.BlobTransferPolicy;
import org.apache.activemq.command.ActiveMQBlobMessage;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.server.core.configuration.Configuration;
import org.apache.james.server.core.filesystem.FileSystemImpl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The persistent server's spool keeps each mail's bytes in a blob file (var/store/activemq/blob-transfer). James parses
 * a dequeued mail's header from the stream ActiveMQ's download strategy gives, a byte at a time (JavaMail's
 * {@code LineInputStream}): on a bare {@code FileInputStream} that is one read system call per header byte. And James
 * writes the file without syncing it: KahaDB's journal, synced before the 250, would survive a power loss and point at
 * a file the kernel never wrote.
 */
class SpoolBlobPolicyTest {
    private static final String MESSAGE = "Subject: held\r\nTo: user@held.test\r\n\r\nbody\r\n";

    @TempDir
    Path workingDirectory;

    @Test
    void aBlobIsReadThroughABufferOnEveryConnectionsCopyOfThePolicy() throws Exception {
        BlobTransferPolicy policy = new SpoolBlobPolicy(fileSystem());
        ActiveMQBlobMessage message = blob("ID_james-1-1_2");

        // ActiveMQ gives each connection a copy of its factory's policy: the copy must read through a buffer too.
        for (BlobTransferPolicy used : new BlobTransferPolicy[] {policy, policy.copy()}) {
            try (InputStream in = used.getDownloadStrategy().getInputStream(message)) {
                assertThat(in.markSupported()).as("a buffered stream").isTrue();
                assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo(MESSAGE);
            }
        }
    }

    @Test
    void aBlobIsStillDeletedOnceItsMailLeftTheQueue() throws Exception {
        BlobTransferPolicy policy = new SpoolBlobPolicy(fileSystem());
        ActiveMQBlobMessage message = blob("ID_james-1-1_1");

        policy.copy().getDownloadStrategy().deleteFile(message);

        assertThat(Path.of(message.getURL().toURI())).doesNotExist();
    }

    @Test
    void aMailIsStillWrittenUnderJamesBlobTransferFolder() throws Exception {
        BlobTransferPolicy policy = new SpoolBlobPolicy(fileSystem());
        ActiveMQBlobMessage message = new ActiveMQBlobMessage();
        message.setJMSMessageID("ID:james-1-1:1:1:1");

        URL url = policy.copy().getUploadStrategy().uploadStream(message,
            new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.US_ASCII)));

        assertThat(Path.of(url.toURI())).startsWith(workingDirectory.resolve("var/store/activemq/blob-transfer"))
            .hasContent(MESSAGE);
    }

    @Test
    void aMailsBlobFileAndItsFolderEntryAreOnDiskBeforeTheUploadReturns() throws Exception {
        List<String> synced = new CopyOnWriteArrayList<>();
        BlobTransferPolicy policy = new SpoolBlobPolicy(fileSystem(),
            path -> synced.add(path + (Files.isRegularFile(path) ? " " + Files.readString(path) : "")));
        ActiveMQBlobMessage message = new ActiveMQBlobMessage();
        message.setJMSMessageID("ID:james-1-1:1:1:2");

        // On a connection's copy, as ActiveMQ uploads: the file whole, then the folder that names it.
        URL url = policy.copy().getUploadStrategy().uploadStream(message,
            new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.US_ASCII)));

        Path file = Path.of(url.toURI());
        assertThat(synced).containsExactly(file + " " + MESSAGE, file.getParent().toString());
    }

    /** A queued mail's blob file, as an earlier upload left it. */
    private ActiveMQBlobMessage blob(String name) throws Exception {
        Path file = Files.writeString(workingDirectory.resolve(name), MESSAGE);
        ActiveMQBlobMessage message = new ActiveMQBlobMessage();
        message.setURL(file.toUri().toURL());
        return message;
    }

    private FileSystem fileSystem() {
        return new FileSystemImpl(Configuration.builder().workingDirectory(workingDirectory.toString())
            .configurationFromClasspath().build().directories());
    }
}
