package org.jamesetrn.bench.probe;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.server.core.MailImpl;

/** BENCHMARK ONLY: the benchmark's mails, {@code <id@bench>} for one recipient, a few hundred bytes each. */
final class BenchMails {
    private static final Session SESSION = Session.getInstance(new Properties());

    private BenchMails() {
    }

    static MailImpl.Builder mail(String id, String recipient) throws MessagingException {
        String content = "From: bench@relay.local\r\n"
            + "To: " + recipient + "\r\n"
            + "Subject: bench " + id + "\r\n"
            + "Message-ID: <" + id + "@bench>\r\n"
            + "\r\n"
            + "Mail " + id + " for the ETRN benchmark.\r\n";
        MimeMessage message = new MimeMessage(SESSION, new ByteArrayInputStream(content.getBytes(StandardCharsets.US_ASCII)));
        return MailImpl.builder()
            .name(id)
            .sender("bench@relay.local")
            .addRecipient(recipient)
            .mimeMessage(message);
    }
}
