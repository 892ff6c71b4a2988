package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.jamesetrn.e2e.fixture.ActiveMQRelay;
import org.jamesetrn.e2e.fixture.EtrnRelay;
import org.jamesetrn.e2e.fixture.Mails;
import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.WebAdmin;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin's listing of a queue on the persistent server ({@code GET /mailQueues/{name}/mails}, James's WebAdmin)
 * while mail flows through it: every listing answers 200. James 3.8.1's browse failed the listing with a 500 when the
 * last mail it had seen left the queue before it was read (RemoteDelivery took it, failed, and enqueued it again with
 * its next retry): 4 of 671 listings failed in such a run before {@code BrowsedMails}.
 */
class ActiveMQQueueListingTest {
    private static final Logger LOGGER = LoggerFactory.getLogger(ActiveMQQueueListingTest.class);
    private static final Duration FLOW = Duration.ofSeconds(30);
    private static final int LISTERS = 4;

    @Test
    void listingAQueueWhileRemoteDeliveryTakesAndRequeuesItsMailsNeverFails() throws Exception {
        CustomerMx siteDown = new CustomerMx(Ports.free());
        try (ActiveMQRelay relay = ActiveMQRelay.start(siteDown.port(), conf -> { })) {
            WebAdmin webAdmin = relay.webAdmin();
            String listing = "/mailQueues/" + EtrnRelay.SMARTHOST_QUEUE + "/mails";
            AtomicBoolean flowing = new AtomicBoolean(true);
            AtomicInteger answered = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            // Five at a time, each taken by RemoteDelivery at once, tried against the site that is down and enqueued
            // again for its retry an hour later: the queue's mails keep leaving and coming back.
            CompletableFuture<Integer> sending = CompletableFuture.supplyAsync(() -> {
                int sent = 0;
                while (flowing.get()) {
                    sent += Mails.send(relay.smtpPort(), "customer.test", 5).size();
                }
                return sent;
            });
            List<CompletableFuture<Void>> listers = new ArrayList<>();
            for (int i = 0; i < LISTERS; i++) {
                listers.add(CompletableFuture.runAsync(() -> {
                    while (flowing.get()) {
                        try {
                            HttpResponse<String> response = webAdmin.get(listing);
                            if (response.statusCode() == 200) {
                                answered.incrementAndGet();
                            } else {
                                failures.add(response.statusCode() + " " + response.body());
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
            CompletableFuture.allOf(listers.toArray(new CompletableFuture[0]))
                .completeOnTimeout(null, FLOW.toMillis(), TimeUnit.MILLISECONDS).join();
            flowing.set(false);
            CompletableFuture.allOf(listers.toArray(new CompletableFuture[0])).join();
            int sent = sending.join();

            long vanished = relay.logSince(0).lines().filter(line -> line.contains("Unable to browse queue")).count();
            LOGGER.info("{} mails sent, {} listings answered, {} failed; the browse met {} mails that had left", sent,
                answered.get(), failures.size(), vanished);
            assertThat(failures).as("listings that failed").isEmpty();
            assertThat(answered.get()).as("listings answered").isGreaterThan(50);
        }
    }
}
