package org.jamesetrn.bench.probe;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Properties;

import javax.inject.Inject;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.queue.api.MailPrioritySupport;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.server.core.MailImpl;
import org.apache.james.webadmin.Routes;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;

import com.google.common.base.Splitter;

import spark.Request;
import spark.Response;
import spark.Service;

/**
 * BENCHMARK ONLY, never in a product conf: a WebAdmin route (loaded through {@code extensions.routes}) that fills a
 * RemoteDelivery queue with deferred mail as fast as the queue takes it, so a benchmark can hold 100,000 deferred
 * mails without pushing each through SMTP, the spool and a failed delivery attempt.
 *
 * <p>Each mail looks like one RemoteDelivery re-enqueued after a first temporary failure (DeliveryRunnable
 * handleTemporaryFailure/reAttemptDelivery): state {@code error}, {@code delivery_retry_count} 1, not permanent,
 * low priority, enqueued with a delay (default 1 hour, the first delayTime of conf/mailetcontainer.xml). It goes
 * through the same {@link MailQueueFactory} RemoteDelivery gets injected, so whatever sees RemoteDelivery's
 * re-enqueue sees these too.</p>
 *
 * <ul>
 *   <li>{@code POST /bench/queues/:name/deferred?count=N&domains=a.test,b.test&prefix=p&delaySeconds=3600}: enqueues N
 *   mails, recipient {@code u<i>@<domain>} round robin over the domains, Message-ID {@code <p-i@bench>}.</li>
 *   <li>{@code GET /bench/queues/:name}: the queue size.</li>
 *   <li>{@code DELETE /bench/queues/:name}: clears the queue.</li>
 * </ul>
 */
public class BenchQueueRoutes implements Routes {
    private static final String BASE = "/bench/queues";
    private static final AttributeName RETRY_COUNT = AttributeName.of("delivery_retry_count");
    private static final AttributeName PERMANENT_ERROR = AttributeName.of("is-delivery-permanent-error");
    private static final Session SESSION = Session.getInstance(new Properties());

    private final MailQueueFactory<? extends ManageableMailQueue> queueFactory;

    @Inject
    public BenchQueueRoutes(MailQueueFactory<? extends ManageableMailQueue> queueFactory) {
        this.queueFactory = queueFactory;
    }

    @Override
    public String getBasePath() {
        return BASE;
    }

    @Override
    public void define(Service service) {
        service.post(BASE + "/:name/deferred", this::fill);
        service.get(BASE + "/:name", this::size);
        service.delete(BASE + "/:name", this::clear);
    }

    private Object fill(Request request, Response response) throws Exception {
        int count = Integer.parseInt(request.queryParams("count"));
        List<String> domains = Splitter.on(',').omitEmptyStrings().trimResults().splitToList(request.queryParams("domains"));
        String prefix = request.queryParamOrDefault("prefix", "bench");
        Duration delay = Duration.ofSeconds(Long.parseLong(request.queryParamOrDefault("delaySeconds", "3600")));
        long start = System.nanoTime();
        try (ManageableMailQueue queue = existing(request)) {
            for (int i = 0; i < count; i++) {
                String domain = domains.get(i % domains.size());
                Mail mail = deferredMail(prefix + "-" + i, "u" + i + "@" + domain);
                queue.enQueue(mail, delay);
            }
        }
        response.type("application/json");
        return "{\"enqueued\":" + count + ",\"ms\":" + (System.nanoTime() - start) / 1_000_000 + "}";
    }

    private Object size(Request request, Response response) throws Exception {
        try (ManageableMailQueue queue = existing(request)) {
            response.type("application/json");
            return "{\"size\":" + queue.getSize() + "}";
        }
    }

    private Object clear(Request request, Response response) throws Exception {
        try (ManageableMailQueue queue = existing(request)) {
            response.type("application/json");
            return "{\"cleared\":" + queue.clear() + "}";
        }
    }

    /**
     * Only a queue RemoteDelivery already created: creating one here and closing it would dispose it (the memory
     * queue is reference counted) under RemoteDelivery's feet.
     */
    private ManageableMailQueue existing(Request request) {
        String name = request.params("name");
        return queueFactory.getQueue(MailQueueName.of(name))
            .orElseThrow(() -> spark.Spark.halt(404, "{\"error\":\"no queue " + name + "\"}"));
    }

    private static Mail deferredMail(String id, String recipient) throws Exception {
        String content = "From: bench@relay.local\r\n"
            + "To: " + recipient + "\r\n"
            + "Subject: bench " + id + "\r\n"
            + "Message-ID: <" + id + "@bench>\r\n"
            + "\r\n"
            + "Deferred mail " + id + " for the ETRN benchmark.\r\n";
        MimeMessage message = new MimeMessage(SESSION, new ByteArrayInputStream(content.getBytes(StandardCharsets.US_ASCII)));
        return MailImpl.builder()
            .name(id)
            .sender("bench@relay.local")
            .addRecipient(recipient)
            .mimeMessage(message)
            .state(Mail.ERROR)
            .errorMessage("bench: 421 site offline")
            .lastUpdated(new Date())
            .remoteAddr("127.0.0.1")
            .remoteHost("localhost")
            .addAttribute(new Attribute(RETRY_COUNT, AttributeValue.of(1)))
            .addAttribute(new Attribute(PERMANENT_ERROR, AttributeValue.of(false)))
            .addAttribute(MailPrioritySupport.LOW_PRIORITY_ATTRIBUTE)
            .build();
    }
}
