package org.jamesetrn.hold;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

import javax.mail.MessagingException;

import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.util.DurationParser;
import org.apache.mailet.MailetConfig;

import com.google.common.base.MoreObjects;
import com.google.common.base.Strings;

/**
 * A hold as {@link HoldForEtrn} configures it (its init parameters, each documented in conf/mailetcontainer.xml and the
 * README). One hold per root: a second mailet on the same root must say the same.
 */
public final class HoldSettings {
    public static final String ROOT = "root";
    public static final String RELEASE_PROCESSOR = "releaseProcessor";
    public static final String EXPIRE_AFTER = "expireAfter";
    public static final String EXPIRED_PROCESSOR = "expiredProcessor";
    public static final String REFUSED_PROCESSOR = "refusedProcessor";
    public static final String WARN_AFTER = "warnAfter";
    public static final String WARN_PROCESSOR = "warnProcessor";
    public static final String RETRY_EVERY = "retryEvery";
    public static final String MAX_MAILS_PER_NODE = "maxMailsPerNode";
    public static final String MAX_BYTES_PER_NODE = "maxBytesPerNode";

    public static final String DEFAULT_ROOT = "file://var/mail/etrn-hold/";
    /** The usual queue lifetime (Postfix maximal_queue_lifetime, Sendmail Timeout.queuereturn). */
    public static final Duration DEFAULT_EXPIRE_AFTER = Duration.ofDays(5);
    public static final String DEFAULT_EXPIRED_PROCESSOR = "bounces";
    public static final String DEFAULT_REFUSED_PROCESSOR = "bounces";

    static HoldSettings from(MailetConfig config) throws MessagingException {
        try {
            String releaseProcessor = required(config, RELEASE_PROCESSOR);
            Optional<Duration> warnAfter = duration(config, WARN_AFTER);
            Optional<String> warnProcessor = Optional.ofNullable(Strings.emptyToNull(trimmed(config, WARN_PROCESSOR)));
            if (warnAfter.isPresent() && warnProcessor.isEmpty()) {
                throw new MessagingException("HoldForEtrn: " + WARN_AFTER + " needs a " + WARN_PROCESSOR
                    + " (a processor whose DSNBounce has <action>delayed</action>)");
            }
            return new HoldSettings(
                MailRepositoryUrl.from(Optional.ofNullable(Strings.emptyToNull(trimmed(config, ROOT))).orElse(DEFAULT_ROOT)),
                releaseProcessor,
                duration(config, EXPIRE_AFTER).orElse(DEFAULT_EXPIRE_AFTER),
                Optional.ofNullable(Strings.emptyToNull(trimmed(config, EXPIRED_PROCESSOR))).orElse(DEFAULT_EXPIRED_PROCESSOR),
                Optional.ofNullable(Strings.emptyToNull(trimmed(config, REFUSED_PROCESSOR))).orElse(DEFAULT_REFUSED_PROCESSOR),
                warnAfter,
                warnProcessor,
                duration(config, RETRY_EVERY),
                limit(config, MAX_MAILS_PER_NODE, false),
                limit(config, MAX_BYTES_PER_NODE, true));
        } catch (IllegalArgumentException e) {
            throw new MessagingException("HoldForEtrn: " + e.getMessage(), e);
        }
    }

    private static String required(MailetConfig config, String name) throws MessagingException {
        String value = trimmed(config, name);
        if (Strings.isNullOrEmpty(value)) {
            throw new MessagingException("HoldForEtrn needs <" + name + ">: the processor that delivers released mail");
        }
        return value;
    }

    private static String trimmed(MailetConfig config, String name) {
        String value = config.getInitParameter(name);
        return value == null ? null : value.trim();
    }

    /** A positive count (or a size such as {@code 500M}, {@code 2G} when {@code size}); absent: no limit. */
    private static Optional<Long> limit(MailetConfig config, String name, boolean size) {
        return Optional.ofNullable(Strings.emptyToNull(trimmed(config, name)))
            .map(value -> {
                long limit;
                try {
                    limit = size ? org.apache.james.util.Size.parse(value).asBytes() : Long.parseLong(value);
                } catch (Exception e) {
                    throw new IllegalArgumentException("<" + name + "> is not a " + (size ? "size (like 500M, 2G)" : "number")
                        + ": " + value);
                }
                if (limit <= 0) {
                    throw new IllegalArgumentException("<" + name + "> must be positive: " + value);
                }
                return limit;
            });
    }

    private static Optional<Duration> duration(MailetConfig config, String name) {
        return Optional.ofNullable(Strings.emptyToNull(trimmed(config, name)))
            .map(value -> {
                Duration duration;
                try {
                    duration = DurationParser.parse(value);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("<" + name + "> is not a duration (like 5 days, 4 hours, 30s): " + value);
                }
                if (duration.isZero() || duration.isNegative()) {
                    throw new IllegalArgumentException("<" + name + "> must be positive: " + value);
                }
                return duration;
            });
    }

    private final MailRepositoryUrl root;
    private final String releaseProcessor;
    private final Duration expireAfter;
    private final String expiredProcessor;
    private final String refusedProcessor;
    private final Optional<Duration> warnAfter;
    private final Optional<String> warnProcessor;
    private final Optional<Duration> retryEvery;
    private final Optional<Long> maxMailsPerNode;
    private final Optional<Long> maxBytesPerNode;

    HoldSettings(MailRepositoryUrl root, String releaseProcessor, Duration expireAfter, String expiredProcessor,
                 String refusedProcessor, Optional<Duration> warnAfter, Optional<String> warnProcessor,
                 Optional<Duration> retryEvery, Optional<Long> maxMailsPerNode, Optional<Long> maxBytesPerNode) {
        this.root = root;
        this.releaseProcessor = releaseProcessor;
        this.expireAfter = expireAfter;
        this.expiredProcessor = expiredProcessor;
        this.refusedProcessor = refusedProcessor;
        this.warnAfter = warnAfter;
        this.warnProcessor = warnProcessor;
        this.retryEvery = retryEvery;
        this.maxMailsPerNode = maxMailsPerNode;
        this.maxBytesPerNode = maxBytesPerNode;
    }

    /** The hold's root: the node domain d's mail is held in {@code <root>/d}. */
    public MailRepositoryUrl root() {
        return root;
    }

    /** The processor a released mail goes to: the held mail's state, so James's reprocess sends it there too. */
    public String releaseProcessor() {
        return releaseProcessor;
    }

    public Duration expireAfter() {
        return expireAfter;
    }

    /** Where an expired mail goes: a processor whose DSNBounce tells the sender (RFC 3464, action failed). */
    public String expiredProcessor() {
        return expiredProcessor;
    }

    /**
     * Where the copy for the DSN of recipients the site refused for good goes (DSNBounce, action failed, the site's
     * reply as diagnostic): released by ETRN or ATRN, a held mail's DSNs are the hold's.
     */
    public String refusedProcessor() {
        return refusedProcessor;
    }

    public Optional<Duration> warnAfter() {
        return warnAfter;
    }

    /** Where the copy for the "delayed" DSN goes (DSNBounce with action delayed). */
    public Optional<String> warnProcessor() {
        return warnProcessor;
    }

    /** Held mail is also released on this period (sites that are only sometimes offline). */
    public Optional<Duration> retryEvery() {
        return retryEvery;
    }

    /** A node holding this many mails takes no more: RCPT TO for it is answered 452 4.2.2 (the sender keeps the mail). */
    public Optional<Long> maxMailsPerNode() {
        return maxMailsPerNode;
    }

    /** The same, in bytes of held mail. */
    public Optional<Long> maxBytesPerNode() {
        return maxBytesPerNode;
    }

    /** How often the retention looks at the held mail: a tenth of the shortest period, within 100 ms and 1 minute. */
    Duration checkEvery() {
        Duration shortest = expireAfter;
        for (Optional<Duration> period : new Optional[] {warnAfter, retryEvery}) {
            if (period.isPresent() && period.get().compareTo(shortest) < 0) {
                shortest = period.get();
            }
        }
        Duration tenth = shortest.dividedBy(10);
        if (tenth.compareTo(Duration.ofMillis(100)) < 0) {
            return Duration.ofMillis(100);
        }
        return tenth.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : tenth;
    }

    @Override
    public boolean equals(Object o) {
        if (o instanceof HoldSettings) {
            HoldSettings that = (HoldSettings) o;
            return root.equals(that.root) && releaseProcessor.equals(that.releaseProcessor)
                && expireAfter.equals(that.expireAfter) && expiredProcessor.equals(that.expiredProcessor)
                && refusedProcessor.equals(that.refusedProcessor)
                && warnAfter.equals(that.warnAfter) && warnProcessor.equals(that.warnProcessor)
                && retryEvery.equals(that.retryEvery) && maxMailsPerNode.equals(that.maxMailsPerNode)
                && maxBytesPerNode.equals(that.maxBytesPerNode);
        }
        return false;
    }

    @Override
    public int hashCode() {
        return Objects.hash(root, releaseProcessor, expireAfter, expiredProcessor, refusedProcessor, warnAfter, warnProcessor,
            retryEvery, maxMailsPerNode, maxBytesPerNode);
    }

    @Override
    public String toString() {
        return MoreObjects.toStringHelper(this)
            .add("root", root.asString())
            .add("releaseProcessor", releaseProcessor)
            .add("expireAfter", expireAfter)
            .add("expiredProcessor", expiredProcessor)
            .add("refusedProcessor", refusedProcessor)
            .add("warnAfter", warnAfter)
            .add("warnProcessor", warnProcessor)
            .add("retryEvery", retryEvery)
            .add("maxMailsPerNode", maxMailsPerNode)
            .add("maxBytesPerNode", maxBytesPerNode)
            .toString();
    }
}
