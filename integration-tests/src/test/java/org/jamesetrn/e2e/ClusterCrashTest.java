package org.jamesetrn.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.jamesetrn.e2e.fixture.Cluster;
import org.jamesetrn.e2e.fixture.ClusterExtension;
import org.jamesetrn.e2e.fixture.ClusterServer;
import org.jamesetrn.e2e.fixture.ReplyAssertions;
import org.jamesetrn.kit.CustomerMx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 14, faults: kill -9 of the server doing a release in the middle of 1,000 held mails. The other server's ETRN
 * releases what the dead one had not claimed at once, and the rest once the dead server's claims expire
 * ({@code release.claim.timeout}, {@value ClusterServer#CLAIM_TIMEOUT_SECONDS} s here); nothing is lost. A mail the
 * dead server had delivered but not yet recorded as delivered is delivered a second time then: the duplicates are
 * counted, logged, and must all be mails the site had received before the kill (the crash window, docs/cluster.md).
 * The killed server starts again on its folder and serves ETRN with no manual step.
 */
@ExtendWith(ClusterExtension.class)
class ClusterCrashTest {
    private static final Logger LOGGER = LoggerFactory.getLogger(ClusterCrashTest.class);
    private static final int MAILS = 1000;

    @Test
    void killingTheReleasingServerLosesNothingAndTheOtherReleasesTheRest(Cluster cluster) throws Exception {
        List<String> held = cluster.b.send(ClusterServer.NODE, MAILS);
        await().atMost(Duration.ofSeconds(120)).until(() -> cluster.b.held(ClusterServer.NODE) == MAILS);
        CustomerMx site = cluster.mx.start();

        ReplyAssertions.assertStarted(cluster.a.etrn(ClusterServer.NODE));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> site.deliveryCount() >= MAILS / 5);
        long killedAt = System.nanoTime();
        cluster.a.kill();
        Set<String> beforeKill = new HashSet<>(site.messageIds());
        LOGGER.info("Server A killed (SIGKILL) after {} of {} held mails reached the site", beforeKill.size(), MAILS);
        assertThat(beforeKill).as("killed in the middle of the release").hasSizeLessThan(MAILS);

        // The next ETRN on B at once, then again every few seconds until the dead server's claims have expired.
        ReplyAssertions.assertStarted(cluster.b.etrn(ClusterServer.NODE));
        await().atMost(Duration.ofSeconds(ClusterServer.CLAIM_TIMEOUT_SECONDS + 90)).pollInterval(Duration.ofSeconds(3))
            .until(() -> {
                ReplyAssertions.assertStarted(cluster.b.etrn(ClusterServer.NODE));
                return site.distinctMessageIds() >= MAILS && cluster.b.held(ClusterServer.NODE) == 0;
            });
        Duration recovered = Duration.ofNanos(System.nanoTime() - killedAt);
        ClusterExactlyOnceTest.awaitEverythingDelivered(cluster, ClusterServer.NODE, MAILS);

        assertThat(site.messageIds()).as("nothing lost").containsAll(held).hasSameSizeAs(site.deliveries());
        Map<String, Long> deliveries = site.messageIds().stream()
            .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        Set<String> duplicates = deliveries.entrySet().stream().filter(entry -> entry.getValue() > 1)
            .map(Map.Entry::getKey).collect(Collectors.toSet());
        // How long before the kill the site had taken each mail that came back: the crash window, measured. Its first
        // delivery, A's: a negative figure is a mail the site took while the kill was under way (after killedAt, before
        // the snapshot of beforeKill), which the window's figures left out (an empty range printed as Long's bounds).
        LongSummaryStatistics window = site.deliveries().stream()
            .filter(delivery -> duplicates.contains(delivery.messageId()))
            .collect(Collectors.groupingBy(CustomerMx.Delivery::messageId,
                Collectors.minBy(Comparator.comparingLong(CustomerMx.Delivery::nanos))))
            .values().stream().flatMap(Optional::stream)
            .mapToLong(delivery -> (killedAt - delivery.nanos()) / 1_000_000).summaryStatistics();
        LOGGER.info("Crash window: {} of the {} mails the site had taken before the kill were delivered again (A had not "
            + "recorded their delivery yet: accepted by the site {} to {} ms before the kill began); all {} delivered {} s "
            + "after the kill", duplicates.size(), beforeKill.size(), duplicates.isEmpty() ? 0 : window.getMin(),
            duplicates.isEmpty() ? 0 : window.getMax(), MAILS, recovered.toSeconds());
        assertThat(deliveries.values()).as("at most twice").allMatch(count -> count <= 2);
        assertThat(beforeKill).as("every duplicate was first delivered by the killed server").containsAll(duplicates);

        // A rejoins: started again on its folder, it counts the cluster's hold and releases mail held through B.
        cluster.a.restart();
        assertThat(cluster.a.etrn(ClusterServer.NODE).code()).isEqualTo(251);
        List<String> after = cluster.b.send(ClusterServer.NODE, 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.a.held(ClusterServer.NODE) == 2);
        assertThat(ReplyAssertions.count(cluster.a.etrn(ClusterServer.NODE))).isEqualTo(2);
        await().atMost(Duration.ofSeconds(30)).until(() -> site.messageIds().containsAll(after));
    }
}
