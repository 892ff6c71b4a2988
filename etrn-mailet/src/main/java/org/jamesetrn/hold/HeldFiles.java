package org.jamesetrn.hold;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import javax.mail.MessagingException;

import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepositoryUrl;

/**
 * A {@code file://} hold's entries brought to disk as they are stored. James's {@code FileMailRepository} writes an
 * entry as two files (the message, and the mail's other fields) and never syncs them: the spool lets the mail go once
 * the hold has it, so after a power loss the kernel might never have written what the spool no longer keeps. Synced
 * here, before the spool's acknowledgement: both files, then their folder (a new file's name is an entry of it).
 *
 * <p>James names the files, not us: {@code <folder>/<the key's bytes in hexadecimal><extension>}, one extension per
 * file ({@code AbstractFileRepository}, data-library 3.8.1). A hold checks at start that a probe entry's files are found
 * there ({@link Hold#probeStore}), and fails to start, saying so, if James wrote them elsewhere: then nothing would be
 * synced. Other repositories (memory, Cassandra, JPA) have nothing to sync here.</p>
 */
final class HeldFiles {
    /** What brings a written file, or a folder's entries, to the disk. */
    @FunctionalInterface
    interface DiskSync {
        void force(Path path) throws IOException;
    }

    /** An entry's files are not where James used to write them: nothing of this hold could be synced. */
    static final class NotFound extends MessagingException {
        NotFound(String message) {
            super(message);
        }
    }

    /** fsync(2) of a file or a folder (Linux opens a folder for reading, and syncs its entries). */
    static final DiskSync FSYNC = path -> {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        }
    };

    /** James's file repositories' extensions: ".Repository" and the stream's, then the object's, decorator. */
    static final List<String> EXTENSIONS = List.of(".Repository.FileStreamStore", ".Repository.FileObjectStore");
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final FileSystem fileSystem;
    private final DiskSync sync;
    private final boolean files;

    HeldFiles(MailRepositoryUrl root, FileSystem fileSystem, DiskSync sync) {
        this.fileSystem = fileSystem;
        this.sync = sync;
        this.files = root.getProtocol().getValue().equals("file");
    }

    /** Whether the hold's entries are files (a {@code file://} root). */
    boolean areFiles() {
        return files;
    }

    /** Syncs the files of the entry just stored under {@code key} in {@code repository}, and their folder. */
    void synced(MailRepositoryUrl repository, MailKey key) throws MessagingException {
        if (!files) {
            return;
        }
        try {
            // James's AbstractFileRepository resolves the repository's URL so, and names the files after the key.
            Path folder = fileSystem.getFileWithinBaseDir(repository.asString()).toPath();
            String name = hex(key.asString());
            for (String extension : EXTENSIONS) {
                Path file = folder.resolve(name + extension);
                if (!Files.isRegularFile(file)) {
                    throw new NotFound("James's file repository did not write " + key.asString() + " as "
                        + file + ": this hold cannot sync its entries to disk (has James's AbstractFileRepository changed?)");
                }
                sync.force(file);
            }
            sync.force(folder);
        } catch (IOException e) {
            throw new MessagingException("cannot sync " + key.asString() + " of " + repository.asString() + " to disk", e);
        }
    }

    /** As James's {@code AbstractFileRepository.encode}: the key's bytes (the platform's charset), two digits each. */
    private static String hex(String key) {
        byte[] bytes = key.getBytes(Charset.defaultCharset());
        char[] digits = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            digits[2 * i] = HEX[(bytes[i] >>> 4) & 0x0f];
            digits[2 * i + 1] = HEX[bytes[i] & 0x0f];
        }
        return new String(digits);
    }
}
