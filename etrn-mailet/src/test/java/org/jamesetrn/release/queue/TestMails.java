package org.jamesetrn.release.queue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.james.core.MailAddress;
import org.apache.james.server.core.MailImpl;
import org.apache.james.server.core.MimeMessageSource;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;

/** Deferred mails as RemoteDelivery leaves them after a temporary failure: state error, a retry count. */
final class TestMails {
    static final AttributeName CUSTOM = AttributeName.of("org.jamesetrn.test.custom");

    private TestMails() {
    }

    static MailImpl deferredMail(String name, int retries, String... recipients) throws Exception {
        MailImpl mail = MailImpl.builder()
            .name(name)
            .sender("sender@relay.local")
            .addRecipients(Arrays.stream(recipients).map(TestMails::address).toArray(MailAddress[]::new))
            .state(Mail.ERROR)
            .addAttribute(new Attribute(ReleaseMarks.DELIVERY_RETRY_COUNT, AttributeValue.of(retries)))
            .addAttribute(new Attribute(CUSTOM, AttributeValue.of("kept " + name)))
            .build();
        mail.setMessageContent(new TestSource(name, null));
        return mail;
    }

    static String content(String name) {
        return "Message-ID: <" + name + "@relay.local>\r\n"
            + "Subject: deferred " + name + "\r\n"
            + "X-Etrn-Test: " + name + "\r\n"
            + "\r\n"
            + "body of " + name + "\r\n";
    }

    static MailAddress address(String address) {
        try {
            return new MailAddress(address);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Message content that can be told to fail when read: a queue that cannot copy the mail. */
    static final class TestSource implements MimeMessageSource {
        private final String name;
        private final AtomicBoolean failing;

        TestSource(String name, AtomicBoolean failing) {
            this.name = name;
            this.failing = failing;
        }

        @Override
        public String getSourceId() {
            return name;
        }

        @Override
        public InputStream getInputStream() throws IOException {
            if (failing != null && failing.get()) {
                throw new IOException("simulated storage failure reading " + name);
            }
            return new ByteArrayInputStream(content(name).getBytes(StandardCharsets.US_ASCII));
        }
    }
}
