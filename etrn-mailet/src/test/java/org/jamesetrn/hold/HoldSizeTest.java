package org.jamesetrn.hold;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.james.core.builder.MimeMessageBuilder;
import org.apache.james.server.core.MailImpl;
import org.apache.james.server.core.MimeMessageSource;
import org.apache.james.server.core.MimeMessageWrapper;
import org.apache.mailet.Mail;
import org.junit.jupiter.api.Test;

/**
 * The size a held mail adds to its node's counts (bytes held, {@code GET /etrn/{node}}): the size of the message the
 * repository writes, computed without reading the message again.
 */
class HoldSizeTest {
    private static final String MESSAGE = "Return-Path: <sender@example.test>\r\n"
        + "From: sender@example.test\r\n"
        + "To: user@held.test\r\n"
        + "Bcc: hidden@held.test\r\n"
        + "Subject: a message for a held node\r\n"
        + "Message-ID: <1@example.test>\r\n"
        + "MIME-Version: 1.0\r\n"
        + "Content-Type: text/plain; charset=us-ascii\r\n"
        + "\r\n"
        + "Hello,\r\nthe body, streamed from the spool's file, never parsed.\r\n";

    /** The spool's file, counting how often it is read. */
    private static final class CountingSource implements MimeMessageSource {
        private final byte[] bytes = MESSAGE.getBytes(StandardCharsets.US_ASCII);
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public String getSourceId() {
            return "spool-file";
        }

        @Override
        public InputStream getInputStream() {
            reads.incrementAndGet();
            return new ByteArrayInputStream(bytes);
        }

        @Override
        public long getMessageSize() {
            return bytes.length;
        }
    }

    /**
     * What conf/'s RemoveMimeHeader does to every relayed mail before the hold: a header removed, the changes saved.
     * James's {@code getMessageSize} then reads and parses the whole header block of the source again, each time it is
     * asked (about 20 us a call, timed in a warm loop: small, but a read of the spool file the size does not need).
     */
    @Test
    void aMailWithATouchedHeaderIsSizedAsWrittenWithoutReadingItsSourceAgain() throws Exception {
        CountingSource source = new CountingSource();
        MimeMessageWrapper message = new MimeMessageWrapper(source);
        message.removeHeader("Bcc");
        message.saveChanges();
        Mail mail = spooled(message);
        int readsBefore = source.reads.get();

        long size = Hold.size(mail);

        assertThat(source.reads.get()).as("reads of the source while sizing").isEqualTo(readsBefore);
        assertThat(size).isEqualTo(written(message)).isEqualTo(message.getMessageSize());
    }

    @Test
    void anUntouchedMailIsSizedAsItsSource() throws Exception {
        CountingSource source = new CountingSource();
        Mail mail = spooled(new MimeMessageWrapper(source));

        assertThat(Hold.size(mail)).isEqualTo(MESSAGE.length());
        assertThat(source.reads.get()).isZero();
    }

    @Test
    void aMessageBuiltInMemoryIsSizedAsWritten() throws Exception {
        Mail mail = MailImpl.builder().name("held").sender("sender@example.test").addRecipient("user@held.test")
            .mimeMessage(MimeMessageBuilder.mimeMessageBuilder().setSubject("built").setText("a body").build()).build();

        assertThat(Hold.size(mail)).isEqualTo(written(mail.getMessage()));
    }

    /** A mail as the spool gives it: its message is the queue's own wrapper, not a copy (James's builder copies). */
    private static Mail spooled(MimeMessageWrapper message) throws Exception {
        MailImpl mail = MailImpl.builder().name("held").sender("sender@example.test").addRecipient("user@held.test").build();
        mail.setMessageNoCopy(message);
        return mail;
    }

    private static long written(javax.mail.internet.MimeMessage message) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out);
        return out.size();
    }
}
