package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.jamesetrn.kit.CustomerMx;
import org.jamesetrn.kit.SmtpClient;
import org.jamesetrn.kit.WebAdmin;

/**
 * Everything that can release held mail, at once, for a while: on each server, ETRN clients as fast as they can and
 * James's WebAdmin reprocess of the node's hold repository every {@code reprocessEvery} (when set); and a site that
 * answers for {@code downFor} (421) then answers for {@code upFor}, over and over. The site answers when the race is
 * over.
 */
final class HoldRace {
    private static final String HELD_REPOSITORY = URLEncoder.encode("var/mail/etrn-hold/held.test", StandardCharsets.UTF_8);

    /** One server in the race: how to say ETRN to it, its WebAdmin, how many ETRN clients race on it. */
    private static final class Server {
        private final Function<String, SmtpClient.Reply> etrn;
        private final WebAdmin webAdmin;
        private final int etrnClients;

        private Server(Function<String, SmtpClient.Reply> etrn, WebAdmin webAdmin, int etrnClients) {
            this.etrn = etrn;
            this.webAdmin = webAdmin;
            this.etrnClients = etrnClients;
        }
    }

    private final CustomerMx site;
    private final String node;
    private final String encodedRepository;
    private final List<Server> servers = new ArrayList<>();
    private Duration upFor = Duration.ofMillis(250);
    private Duration downFor = Duration.ofMillis(250);
    private Duration reprocessEvery;
    private boolean flapping = true;
    private final AtomicInteger etrns = new AtomicInteger();
    private final AtomicInteger reprocesses = new AtomicInteger();

    /** A race on held.test of the one relay (the shipped hold root), two ETRN clients. */
    HoldRace(EtrnRelay relay, CustomerMx site) {
        this(site, "held.test", HELD_REPOSITORY);
        server(relay::etrn, relay.webAdmin(), 2);
    }

    /** A race on a node's hold repository ({@code encodedRepository}: its WebAdmin path), servers added after. */
    HoldRace(CustomerMx site, String node, String encodedRepository) {
        this.site = site;
        this.node = node;
        this.encodedRepository = encodedRepository;
    }

    HoldRace server(Function<String, SmtpClient.Reply> etrn, WebAdmin webAdmin, int etrnClients) {
        servers.add(new Server(etrn, webAdmin, etrnClients));
        return this;
    }

    HoldRace flapping(Duration upFor, Duration downFor) {
        this.upFor = upFor;
        this.downFor = downFor;
        return this;
    }

    /** The site keeps answering as the test set it (per recipient, say) for the whole race. */
    HoldRace steadySite() {
        this.flapping = false;
        return this;
    }

    HoldRace reprocessingEvery(Duration every) {
        this.reprocessEvery = every;
        return this;
    }

    int etrns() {
        return etrns.get();
    }

    int reprocesses() {
        return reprocesses.get();
    }

    void run(Duration duration) throws Exception {
        AtomicBoolean racing = new AtomicBoolean(true);
        int etrnClients = servers.stream().mapToInt(server -> server.etrnClients).sum();
        ScheduledExecutorService threads = Executors.newScheduledThreadPool(etrnClients + servers.size() + 1);
        List<Future<?>> clients = new ArrayList<>();
        try {
            for (Server server : servers) {
                for (int client = 0; client < server.etrnClients; client++) {
                    clients.add(threads.submit(() -> {
                        while (racing.get()) {
                            ReplyAssertions.assertStarted(server.etrn.apply(node));
                            etrns.incrementAndGet();
                        }
                        return null;
                    }));
                }
                if (reprocessEvery != null) {
                    threads.scheduleWithFixedDelay(() -> {
                        try {
                            server.webAdmin.patchJson("/mailRepositories/" + encodedRepository + "/mails?action=reprocess", "");
                            reprocesses.incrementAndGet();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }, 0, reprocessEvery.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            threads.submit(() -> {
                while (racing.get() && flapping) {
                    site.refuse(HoldForEtrnTest.SITE_DOWN);
                    Thread.sleep(downFor.toMillis()); // the site's rhythm, not a wait for a condition
                    site.answer();
                    Thread.sleep(upFor.toMillis());
                }
                return null;
            });
            await().pollDelay(duration).atMost(duration.plusSeconds(5)).until(() -> clients.stream().noneMatch(Future::isDone));
        } finally {
            racing.set(false);
            threads.shutdown();
            assertThat(threads.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
            site.answer();
        }
        for (Future<?> client : clients) {
            client.get(); // an ETRN client that failed says why
        }
    }
}
