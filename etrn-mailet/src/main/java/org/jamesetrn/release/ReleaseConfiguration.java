package org.jamesetrn.release;

import java.io.FileNotFoundException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.utils.PropertiesProvider;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;

/**
 * The release engine's settings, read from {@code conf/etrn.properties} (every key is documented there). A missing
 * file means the defaults: the single RemoteDelivery queue {@code outgoing}.
 */
public final class ReleaseConfiguration {
    public static final String FILE_NAME = "etrn";
    public static final String QUEUES = "release.queues";
    /** The key's name before 0.2: it read like the ETRN handler's {@code <queues>}, which is another gate. */
    static final String FORMER_QUEUES = "queues";
    public static final String THREADS = "release.threads";
    public static final String GENERIC_SAFETY_MARGIN = "release.generic.safetyMarginSeconds";
    public static final String ACTIVEMQ_PAGE_SIZE = "release.activemq.pageSize";

    public static final ImmutableList<MailQueueName> DEFAULT_QUEUES = ImmutableList.of(MailQueueName.of("outgoing"));
    public static final int DEFAULT_THREADS = 2;
    public static final Duration DEFAULT_GENERIC_SAFETY_MARGIN = Duration.ofMinutes(1);
    /** Messages of a queue ActiveMQ keeps in memory, where selectors see them: the backup-MX scale of 100,000. */
    public static final int DEFAULT_ACTIVEMQ_PAGE_SIZE = 100_000;

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
        // PropertiesProvider splits on commas already; a plain Configuration may hand back "a,b" as one value.
        List<String> names = configuration.getList(String.class, QUEUES, ImmutableList.of());
        ImmutableList<MailQueueName> queues = names.stream()
            .flatMap(value -> Arrays.stream(value.split(",")))
            .map(String::trim)
            .filter(name -> !name.isEmpty())
            .distinct()
            .map(MailQueueName::of)
            .collect(ImmutableList.toImmutableList());
        int threads = configuration.getInt(THREADS, DEFAULT_THREADS);
        Duration margin = Duration.ofSeconds(configuration.getLong(GENERIC_SAFETY_MARGIN,
            DEFAULT_GENERIC_SAFETY_MARGIN.toSeconds()));
        int pageSize = configuration.getInt(ACTIVEMQ_PAGE_SIZE, DEFAULT_ACTIVEMQ_PAGE_SIZE);
        try {
            return new ReleaseConfiguration(queues.isEmpty() ? DEFAULT_QUEUES : queues, threads, margin, pageSize);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("etrn.properties: " + e.getMessage(), e);
        }
    }

    public static ReleaseConfiguration defaults() {
        return new ReleaseConfiguration(DEFAULT_QUEUES, DEFAULT_THREADS, DEFAULT_GENERIC_SAFETY_MARGIN);
    }

    private final ImmutableList<MailQueueName> queues;
    private final int threads;
    private final Duration genericSafetyMargin;
    private final int activeMQPageSize;

    public ReleaseConfiguration(List<MailQueueName> queues, int threads, Duration genericSafetyMargin) {
        this(queues, threads, genericSafetyMargin, DEFAULT_ACTIVEMQ_PAGE_SIZE);
    }

    public ReleaseConfiguration(List<MailQueueName> queues, int threads, Duration genericSafetyMargin, int activeMQPageSize) {
        Preconditions.checkArgument(!queues.isEmpty(), "ETRN needs at least one queue");
        Preconditions.checkArgument(threads > 0, "%s must be positive", THREADS);
        Preconditions.checkArgument(!genericSafetyMargin.isNegative(), "%s must not be negative", GENERIC_SAFETY_MARGIN);
        Preconditions.checkArgument(activeMQPageSize >= 0, "%s must not be negative", ACTIVEMQ_PAGE_SIZE);
        this.queues = ImmutableList.copyOf(queues);
        this.threads = threads;
        this.genericSafetyMargin = genericSafetyMargin;
        this.activeMQPageSize = activeMQPageSize;
    }

    /** The RemoteDelivery outgoing queues ETRN may release from; no other queue is ever touched. */
    public ImmutableList<MailQueueName> queues() {
        return queues;
    }

    /** Threads doing the releases (selection and re-enqueueing), shared by all nodes. */
    public int threads() {
        return threads;
    }

    /** Generic queues only: a mail due sooner than this is left alone, so that no dequeue can race its release. */
    public Duration genericSafetyMargin() {
        return genericSafetyMargin;
    }

    /**
     * ActiveMQ queues only: how many messages of each release queue the broker keeps paged in, where JMS selectors
     * (ETRN's and James's dequeue) see them; 0 leaves the broker's own setting (200).
     */
    public int activeMQPageSize() {
        return activeMQPageSize;
    }
}
