package org.jamesetrn.kit.probe;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.server.core.MailImpl;

/** TESTS AND BENCHMARK ONLY: the probe routes' mails, Message-ID {@code <id@probe>}, one recipient, a few hundred bytes each. */
final class ProbeMails {
    private static final Session SESSION = Session.getInstance(new Properties());

    private ProbeMails() {
    }

    static MailImpl.Builder mail(String id, String recipient) throws MessagingException {
        String content = "From: probe@relay.local\r\n"
            + "To: " + recipient + "\r\n"
            + "Subject: probe " + id + "\r\n"
            + "Message-ID: <" + id + "@probe>\r\n"
            + "\r\n"
            + "Mail " + id + ", enqueued by the test kit's probe route.\r\n";
        MimeMessage message = new MimeMessage(SESSION, new ByteArrayInputStream(content.getBytes(StandardCharsets.US_ASCII)));
        return MailImpl.builder()
            .name(id)
            .sender("probe@relay.local")
            .addRecipient(recipient)
            .mimeMessage(message);
    }
}
