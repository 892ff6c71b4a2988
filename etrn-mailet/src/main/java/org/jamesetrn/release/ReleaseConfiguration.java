package org.jamesetrn.release;

import java.io.FileNotFoundException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.util.DurationParser;
import org.apache.james.utils.PropertiesProvider;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;

/**
 * The release engine's settings, read from {@code conf/etrn.properties} (every key is documented there). A missing
 * file means the defaults: the single RemoteDelivery queue {@code outgoing}, probe first with one mail.
 */
public final class ReleaseConfiguration {
    public static final String FILE_NAME = "etrn";
    public static final String QUEUES = "release.queues";
    /** The key's name before 0.2: it read like the ETRN handler's {@code <queues>}, which is another gate. */
    static final String FORMER_QUEUES = "queues";
    public static final String THREADS = "release.threads";
    public static final String GENERIC_SAFETY_MARGIN = "release.generic.safetyMarginSeconds";
    public static final String PROBE_MAILS = "release.probe.mails";
    public static final String PROBE_TIMEOUT = "release.probe.timeout";
    public static final String CLAIM_TIMEOUT = "release.claim.timeout";
    public static final String HOLD_DISPATCH_THREADS = "release.hold.dispatchThreads";
    public static final String REPOSITORIES = "release.repositories";
    public static final String REPOSITORIES_PROCESSOR = "release.repositories.processor";
    public static final String ACTIVEMQ_PAGE_SIZE = "release.activemq.pageSize";

    public static final ImmutableList<MailQueueName> DEFAULT_QUEUES = ImmutableList.of(MailQueueName.of("outgoing"));
    public static final int DEFAULT_THREADS = 2;
    public static final Duration DEFAULT_GENERIC_SAFETY_MARGIN = Duration.ofMinutes(1);
    public static final int DEFAULT_PROBE_MAILS = 1;
    /** Longer than RemoteDelivery's own worst attempt (connection timeout 60 s, then 180 s per read, in conf/). */
    public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_CLAIM_TIMEOUT = Duration.ofMinutes(5);
    /**
     * Held mails read, claimed and handed to their release processor at once, by every release of this server. Each is
     * a few round trips to the hold's store, waited on, not worked: on the cluster (two servers and Cassandra on 2
     * cores) 8 left a fifth of the machine idle through a release, and 32 handed a node's 1,000 back in about half the
     * time (docs/bench.md, "Dispatching threads").
     */
    public static final int DEFAULT_HOLD_DISPATCH_THREADS = 32;
    public static final String DEFAULT_REPOSITORIES_PROCESSOR = "relay";
    /**
     * Messages of a queue ActiveMQ keeps in memory, where selectors see them: twice the backup-MX scale of 100,000
     * deferred mails, so that a node's mail queued behind 100,000 others is seen.
     */
    public static final int DEFAULT_ACTIVEMQ_PAGE_SIZE = 200_000;

    public static ReleaseConfiguration load(PropertiesProvider propertiesProvider) throws ConfigurationException {
        try {
            return from(propertiesProvider.getConfiguration(FILE_NAME));
        } catch (FileNotFoundException e) {
            return defaults();
        }
    }

    public static ReleaseConfiguration from(Configuration configuration) throws ConfigurationException {
        if (configuration.containsKey(FORMER_QUEUES)) {
            throw new ConfigurationException("etrn.properties: the key '" + FORMER_QUEUES + "' is now '" + QUEUES
                + "' (the RemoteDelivery queues ETRN looks in); rename it. Which #queue an SMTP client may ask for is "
                + "<queues> of the ETRN handler in smtpserver.xml.");
        }
        try {
            ImmutableList<MailQueueName> queues = list(configuration, QUEUES, MailQueueName::of);
            return builder()
                .queues(queues.isEmpty() ? DEFAULT_QUEUES : queues)
                .threads(configuration.getInt(THREADS, DEFAULT_THREADS))
                .genericSafetyMargin(Duration.ofSeconds(configuration.getLong(GENERIC_SAFETY_MARGIN,
                    DEFAULT_GENERIC_SAFETY_MARGIN.toSeconds())))
                .probeMails(configuration.getInt(PROBE_MAILS, DEFAULT_PROBE_MAILS))
                .probeTimeout(duration(configuration, PROBE_TIMEOUT, DEFAULT_PROBE_TIMEOUT))
                .claimTimeout(duration(configuration, CLAIM_TIMEOUT, DEFAULT_CLAIM_TIMEOUT))
                .holdDispatchThreads(configuration.getInt(HOLD_DISPATCH_THREADS, DEFAULT_HOLD_DISPATCH_THREADS))
                .repositories(list(configuration, REPOSITORIES, MailRepositoryUrl::from))
                .repositoriesProcessor(configuration.getString(REPOSITORIES_PROCESSOR, DEFAULT_REPOSITORIES_PROCESSOR).trim())
                .activeMQPageSize(configuration.getInt(ACTIVEMQ_PAGE_SIZE, DEFAULT_ACTIVEMQ_PAGE_SIZE))
                .build();
        } catch (IllegalArgumentException | org.apache.commons.configuration2.ex.ConversionException e) {
            throw new ConfigurationException("etrn.properties: " + e.getMessage(), e);
        }
    }

    public static ReleaseConfiguration defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    private static <T> ImmutableList<T> list(Configuration configuration, String key, Function<String, T> parse) {
        // PropertiesProvider splits on commas already; a plain Configuration may hand back "a,b" as one value.
        List<String> values = configuration.getList(String.class, key, ImmutableList.of());
        return values.stream()
            .flatMap(value -> Arrays.stream(value.split(",")))
            .map(String::trim)
            .filter(value -> !value.isEmpty())
            .distinct()
            .map(parse)
            .collect(ImmutableList.toImmutableList());
    }

    private static Duration duration(Configuration configuration, String key, Duration defaultValue) {
        String value = configuration.getString(key, null);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            return DurationParser.parse(value.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key + " is not a duration (like 10 minutes, 30s): " + value, e);
        }
    }

    public static final class Builder {
        private List<MailQueueName> queues = DEFAULT_QUEUES;
        private int threads = DEFAULT_THREADS;
        private Duration genericSafetyMargin = DEFAULT_GENERIC_SAFETY_MARGIN;
        private int probeMails = DEFAULT_PROBE_MAILS;
        private Duration probeTimeout = DEFAULT_PROBE_TIMEOUT;
        private Duration claimTimeout = DEFAULT_CLAIM_TIMEOUT;
        private int holdDispatchThreads = DEFAULT_HOLD_DISPATCH_THREADS;
        private List<MailRepositoryUrl> repositories = ImmutableList.of();
        private String repositoriesProcessor = DEFAULT_REPOSITORIES_PROCESSOR;
        private int activeMQPageSize = DEFAULT_ACTIVEMQ_PAGE_SIZE;

        private Builder() {
        }

        public Builder queues(List<MailQueueName> queues) {
            this.queues = queues;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder genericSafetyMargin(Duration genericSafetyMargin) {
            this.genericSafetyMargin = genericSafetyMargin;
            return this;
        }

        public Builder probeMails(int probeMails) {
            this.probeMails = probeMails;
            return this;
        }

        public Builder probeTimeout(Duration probeTimeout) {
            this.probeTimeout = probeTimeout;
            return this;
        }

        public Builder claimTimeout(Duration claimTimeout) {
            this.claimTimeout = claimTimeout;
            return this;
        }

        public Builder holdDispatchThreads(int holdDispatchThreads) {
            this.holdDispatchThreads = holdDispatchThreads;
            return this;
        }

        public Builder repositories(List<MailRepositoryUrl> repositories) {
            this.repositories = repositories;
            return this;
        }

        public Builder repositoriesProcessor(String repositoriesProcessor) {
            this.repositoriesProcessor = repositoriesProcessor;
            return this;
        }

        public Builder activeMQPageSize(int activeMQPageSize) {
            this.activeMQPageSize = activeMQPageSize;
            return this;
        }

        public ReleaseConfiguration build() {
            Preconditions.checkArgument(!queues.isEmpty(), "ETRN needs at least one queue");
            Preconditions.checkArgument(threads > 0, "%s must be positive", THREADS);
            Preconditions.checkArgument(!genericSafetyMargin.isNegative(), "%s must not be negative", GENERIC_SAFETY_MARGIN);
            Preconditions.checkArgument(probeMails >= 0, "%s must not be negative", PROBE_MAILS);
            Preconditions.checkArgument(!probeTimeout.isNegative() && !probeTimeout.isZero(), "%s must be positive", PROBE_TIMEOUT);
            Preconditions.checkArgument(!claimTimeout.isNegative() && !claimTimeout.isZero(), "%s must be positive", CLAIM_TIMEOUT);
            Preconditions.checkArgument(holdDispatchThreads > 0, "%s must be positive", HOLD_DISPATCH_THREADS);
            Preconditions.checkArgument(!repositoriesProcessor.isEmpty(), "%s must name a processor", REPOSITORIES_PROCESSOR);
            Preconditions.checkArgument(activeMQPageSize >= 0, "%s must not be negative", ACTIVEMQ_PAGE_SIZE);
            return new ReleaseConfiguration(this);
        }
    }

    private final ImmutableList<MailQueueName> queues;
    private final int threads;
    private final Duration genericSafetyMargin;
    private final int probeMails;
    private final Duration probeTimeout;
    private final Duration claimTimeout;
    private final int holdDispatchThreads;
    private final ImmutableList<MailRepositoryUrl> repositories;
    private final String repositoriesProcessor;
    private final int activeMQPageSize;

    private ReleaseConfiguration(Builder builder) {
        this.queues = ImmutableList.copyOf(builder.queues);
        this.threads = builder.threads;
        this.genericSafetyMargin = builder.genericSafetyMargin;
        this.probeMails = builder.probeMails;
        this.probeTimeout = builder.probeTimeout;
        this.claimTimeout = builder.claimTimeout;
        this.holdDispatchThreads = builder.holdDispatchThreads;
        this.repositories = ImmutableList.copyOf(builder.repositories);
        this.repositoriesProcessor = builder.repositoriesProcessor;
        this.activeMQPageSize = builder.activeMQPageSize;
    }

    /** The RemoteDelivery outgoing queues ETRN may release from; no other queue is ever touched. */
    public ImmutableList<MailQueueName> queues() {
        return queues;
    }

    /** Threads doing the releases (selection and dispatching), shared by all nodes. */
    public int threads() {
        return threads;
    }

    /** Generic queues only: a mail due sooner than this is left alone, so that no dequeue can race its release. */
    public Duration genericSafetyMargin() {
        return genericSafetyMargin;
    }

    /** How many mails a release sends first, before the rest; 0: everything at once. */
    public int probeMails() {
        return probeMails;
    }

    /** The longest wait for a probe's outcome; past it the rest stays where it was. */
    public Duration probeTimeout() {
        return probeTimeout;
    }

    /** How long a held mail handed to delivery stays claimed without news of the attempt (see the hold's claims). */
    public Duration claimTimeout() {
        return claimTimeout;
    }

    /** Held mails read, claimed and handed out at once by this server's releases ({@link #DEFAULT_HOLD_DISPATCH_THREADS}). */
    public int holdDispatchThreads() {
        return holdDispatchThreads;
    }

    /** Shared repositories holding every node's temporarily failed mail (James's distributed pattern). */
    public ImmutableList<MailRepositoryUrl> repositories() {
        return repositories;
    }

    /** The processor mail released from a shared repository goes to (the one with the RemoteDelivery that parked it). */
    public String repositoriesProcessor() {
        return repositoriesProcessor;
    }

    /**
     * ActiveMQ queues only: how many messages of each release queue the broker keeps paged in, where JMS selectors
     * (ETRN's and James's dequeue) see them; 0 leaves the broker's own setting (200).
     */
    public int activeMQPageSize() {
        return activeMQPageSize;
    }
}
