package org.jamesetrn.kit.probe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.james.core.MailAddress;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.queue.api.MailPrioritySupport;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.webadmin.Routes;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeUtils;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;

import com.fasterxml.jackson.databind.ObjectMapper;

import com.google.common.base.Splitter;

import spark.Request;
import spark.Response;
import spark.Service;

/**
 * TESTS AND BENCHMARK ONLY, never in a product conf: a WebAdmin route (loaded through {@code extensions.routes}, from
 * the kit's probe jar in extensions-jars/) that fills a RemoteDelivery queue with deferred mail as fast as the queue
 * takes it, so a benchmark or an end-to-end test can hold 100,000 deferred mails in a James running as a separate
 * process without pushing each through SMTP, the spool and a failed delivery attempt; and reads what waits in a queue.
 *
 * <p>Each mail looks like one RemoteDelivery re-enqueued after a first temporary failure (DeliveryRunnable
 * handleTemporaryFailure/reAttemptDelivery): state {@code error}, {@code delivery_retry_count} 1, not permanent,
 * low priority, enqueued with a delay (default 1 hour, the first delayTime of conf/mailetcontainer.xml). It goes
 * through the same {@link MailQueueFactory} RemoteDelivery gets injected, so whatever sees RemoteDelivery's
 * re-enqueue sees these too.</p>
 *
 * <ul>
 *   <li>{@code POST /probe/queues/:name/deferred?count=N&domains=a.test,b.test&prefix=p&delaySeconds=3600}: enqueues N
 *   mails, recipient {@code u<i>@<domain>} round robin over the domains, Message-ID {@code <p-i@probe>};
 *   {@code delaySeconds=0}: due now (still low priority, as a deferred mail whose retry time came).</li>
 *   <li>{@code GET /probe/queues/:name}: the queue size (waiting and in delivery); 404 for a queue not created yet
 *   (RemoteDelivery creates its queue at start-up).</li>
 *   <li>{@code GET /probe/queues/:name/mails}: what waits (not what a delivery thread holds), as JSON: name,
 *   recipients, nextDelivery (epoch ms, null when the queue gives none), retries ({@code delivery_retry_count});
 *   browsing, which takes nothing from the queue (James's own WebAdmin listing of a memory queue empties it).</li>
 *   <li>{@code DELETE /probe/queues/:name}: clears the queue; 404 for a queue not created yet.</li>
 * </ul>
 */
public class QueueRoutes implements Routes {
    public static final String BASE = "/probe/queues";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AttributeName RETRY_COUNT = AttributeName.of("delivery_retry_count");
    private static final AttributeName PERMANENT_ERROR = AttributeName.of("is-delivery-permanent-error");

    private final MailQueueFactory<? extends ManageableMailQueue> queueFactory;

    @Inject
    public QueueRoutes(MailQueueFactory<? extends ManageableMailQueue> queueFactory) {
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
        service.get(BASE + "/:name/mails", this::mails);
        service.delete(BASE + "/:name", this::clear);
    }

    private Object fill(Request request, Response response) throws Exception {
        int count = Integer.parseInt(request.queryParams("count"));
        List<String> domains = Splitter.on(',').omitEmptyStrings().trimResults().splitToList(request.queryParams("domains"));
        String prefix = request.queryParamOrDefault("prefix", "probe");
        Duration delay = Duration.ofSeconds(Long.parseLong(request.queryParamOrDefault("delaySeconds", "3600")));
        long start = System.nanoTime();
        try (ManageableMailQueue queue = existing(request)) {
            for (int i = 0; i < count; i++) {
                String domain = domains.get(i % domains.size());
                Mail mail = deferredMail(prefix + "-" + i, "u" + i + "@" + domain);
                queue.enQueue(mail, delay);
                LifecycleUtil.dispose(mail); // the queue holds its own copy

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

    private Object mails(Request request, Response response) throws Exception {
        List<Map<String, Object>> mails = new ArrayList<>();
        try (ManageableMailQueue queue = existing(request)) {
            ManageableMailQueue.MailQueueIterator items = queue.browse();
            try {
                while (items.hasNext()) {
                    ManageableMailQueue.MailQueueItemView item = items.next();
                    Mail mail = item.getMail();
                    Map<String, Object> view = new LinkedHashMap<>();
                    view.put("name", mail.getName());
                    view.put("recipients", mail.getRecipients().stream().map(MailAddress::asString).collect(Collectors.toList()));
                    view.put("nextDelivery", item.getNextDelivery().map(next -> next.toInstant().toEpochMilli()).orElse(null));
                    view.put("retries", AttributeUtils.getValueAndCastFromMail(mail, RETRY_COUNT, Integer.class).orElse(0));
                    mails.add(view);
                }
            } finally {
                items.close();
            }
        }
        response.type("application/json");
        return JSON.writeValueAsString(mails);
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
        return ProbeMails.mail(id, recipient)
            .state(Mail.ERROR)
            .errorMessage("421 site offline (probe route)")
            .lastUpdated(new Date())
            .remoteAddr("127.0.0.1")
            .remoteHost("localhost")
            .addAttribute(new Attribute(RETRY_COUNT, AttributeValue.of(1)))
            .addAttribute(new Attribute(PERMANENT_ERROR, AttributeValue.of(false)))
            .addAttribute(MailPrioritySupport.LOW_PRIORITY_ATTRIBUTE)
            .build();
    }
}
