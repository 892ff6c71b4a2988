package org.jamesetrn.client;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import javax.annotation.PreDestroy;
import javax.inject.Inject;

import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.smtpserver.netty.SMTPServerFactory;
import org.jamesetrn.odmr.customer.AtrnSession;
import org.jamesetrn.odmr.customer.LocalSmtpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.util.concurrent.ThreadFactoryBuilder;

/**
 * James as the intermittent site (RFC 1985's client side): asks each configured relay to start delivering the mail
 * it holds for this site's nodes, by ETRN or, for an ODMR relay, by ATRN (RFC 2645: the mail comes back over the
 * connection, into this James's own SMTP server). Triggers: once when James's SMTP server listens ({@link #startWhen}), every
 * {@code interval}, and on demand ({@link #requestNow}, WebAdmin). All the network work runs on the client's own
 * daemon threads, one per relay at most: a slow or dead relay never holds up James or another relay.
 */
final class EtrnClient {
    private static final Logger LOGGER = LoggerFactory.getLogger(EtrnClient.class);
    private static final int MAX_THREADS = 8;
    /** How often the start-up trigger checks whether James's SMTP server listens yet. */
    static final Duration READY_POLL = Duration.ofMillis(200);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private final EtrnClientConfiguration configuration;
    private final ImmutableMap<String, RelayRequester> requesters;
    private final ScheduledThreadPoolExecutor scheduler;

    @Inject
    EtrnClient(EtrnClientConfiguration configuration, MetricFactory metricFactory, SMTPServerFactory smtpServers) {
        this(configuration, metricFactory, () -> LocalSmtpServer.of(smtpServers));
    }

    /** Without a James SMTP server: an ODMR relay needs its deliverTo. */
    EtrnClient(EtrnClientConfiguration configuration, MetricFactory metricFactory) {
        this(configuration, metricFactory, Optional::empty);
    }

    /** {@code localSmtp}: where an ODMR turnaround's mail goes when its relay names no deliverTo. */
    EtrnClient(EtrnClientConfiguration configuration, MetricFactory metricFactory,
               Supplier<Optional<InetSocketAddress>> localSmtp) {
        this.configuration = configuration;
        this.scheduler = new ScheduledThreadPoolExecutor(
            Math.max(1, Math.min(configuration.relays().size(), MAX_THREADS)),
            new ThreadFactoryBuilder().setDaemon(true).setNameFormat("etrn-client-%d").build());
        // A cancelled retry or poll must not stay in the queue until its time comes.
        scheduler.setRemoveOnCancelPolicy(true);
        RelaySession etrn = new EtrnSession(configuration.timeout(), configuration.ehloName());
        RelaySession atrn = new AtrnRelaySession(new AtrnSession(configuration.timeout(), configuration.ehloName()),
            localSmtp);
        ClientAudit audit = new ClientAudit(metricFactory);
        this.requesters = configuration.relays().stream().collect(ImmutableMap.toImmutableMap(UpstreamRelay::name,
            relay -> new RelayRequester(relay, relay.protocol() == RelayProtocol.ODMR ? atrn : etrn,
                configuration.backoff(), audit, scheduler)));
    }

    /**
     * Returns at once. Once {@code ready} holds (James's SMTP server listens: the relay's delivery can land), asks
     * every relay, then again every {@code interval} if one is set.
     */
    void startWhen(BooleanSupplier ready) {
        if (requesters.isEmpty()) {
            LOGGER.info("ETRN client: no relay listed in {}.properties, nothing to ask for", EtrnClientConfiguration.FILE_NAME);
            return;
        }
        LOGGER.info("ETRN client: will ask {} once James's SMTP server listens{}", requesters.values().stream()
                .map(requester -> requester.relay() + " for " + requester.relay().nodes())
                .collect(ImmutableList.toImmutableList()),
            configuration.interval().map(interval -> ", then every " + ClientAudit.words(interval)).orElse(""));
        CompletableFuture<Void> started = new CompletableFuture<>();
        var poll = scheduler.scheduleWithFixedDelay(() -> {
            try {
                if (!started.isDone() && ready.getAsBoolean() && started.complete(null)) {
                    startTriggers();
                }
            } catch (RuntimeException e) {
                // Caught: an exception would silently end the polling, and with it the client.
                LOGGER.warn("ETRN client: cannot tell whether James's SMTP server listens yet", e);
            }
        }, 0, READY_POLL.toMillis(), TimeUnit.MILLISECONDS);
        started.thenRun(() -> poll.cancel(false));
    }

    private void startTriggers() {
        requestAll(Trigger.START_UP);
        configuration.interval().ifPresent(interval -> scheduler.scheduleWithFixedDelay(
            () -> requestAll(Trigger.INTERVAL), interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS));
    }

    /**
     * Asks the relays now (all of them, or the named one: empty when there is none of that name) and answers the
     * reports of these first attempts; temporary failures are retried in the background.
     */
    Optional<List<RequestReport>> requestNow(Optional<String> relayName) {
        List<RelayRequester> chosen;
        if (relayName.isPresent()) {
            RelayRequester requester = requesters.get(relayName.get());
            if (requester == null) {
                return Optional.empty();
            }
            chosen = ImmutableList.of(requester);
        } else {
            chosen = requesters.values().asList();
        }
        return Optional.of(request(chosen, Trigger.WEBADMIN));
    }

    /** The last result of each relay's nodes (relays in the order listed): what {@link EtrnClientHealthCheck} reads. */
    List<RequestResult> lastResults() {
        return requesters.values().stream()
            .flatMap(requester -> requester.lastResults().stream())
            .collect(ImmutableList.toImmutableList());
    }

    /** Each relay on a thread of the client; nothing waits for them (the poll and interval run on those threads too). */
    private void requestAll(Trigger trigger) {
        for (RelayRequester requester : requesters.values()) {
            scheduler.execute(() -> {
                try {
                    requester.request(trigger);
                } catch (RuntimeException e) {
                    LOGGER.error("ETRN client: the {} request to relay {} failed", trigger, requester.relay(), e);
                }
            });
        }
    }

    /** The relays side by side, each on a thread of the client; the caller (a WebAdmin thread) waits for all. */
    private List<RequestReport> request(List<RelayRequester> chosen, Trigger trigger) {
        List<CompletableFuture<List<RequestReport>>> sessions = chosen.stream()
            .map(requester -> CompletableFuture.supplyAsync(() -> requester.request(trigger), scheduler))
            .collect(ImmutableList.toImmutableList());
        return sessions.stream()
            .flatMap(session -> session.join().stream())
            .collect(ImmutableList.toImmutableList());
    }

    /**
     * When James stops (James's lifecycle calls {@code @PreDestroy} methods): no further request or retry; a session
     * in progress gets a few seconds to end (its socket does not answer interrupts), so that none outlives James.
     */
    @PreDestroy
    public void stop() {
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOGGER.warn("ETRN client: a session with a relay was still running when James stopped");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
