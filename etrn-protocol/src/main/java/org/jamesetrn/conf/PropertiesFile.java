package org.jamesetrn.conf;

import java.io.FileNotFoundException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.Optional;
import java.util.stream.Collectors;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.util.DurationParser;
import org.apache.james.utils.PropertiesProvider;

import com.google.common.collect.ImmutableList;

/**
 * The values of one of the extension's properties files (conf/NAME.properties, read through James's
 * {@link PropertiesProvider}), each getter naming the file and the key in the {@link ConfigurationException} of a
 * mistake: the message that stops James at start-up. Each file still has one reader (its settings class); this is
 * only how that reader reads.
 */
public final class PropertiesFile {
    private final String fileName;
    private final Configuration configuration;

    private PropertiesFile(String fileName, Configuration configuration) {
        this.fileName = fileName;
        this.configuration = configuration;
    }

    /** conf/{fileName}.properties; empty when there is no such file. */
    public static Optional<PropertiesFile> load(PropertiesProvider propertiesProvider, String fileName)
        throws ConfigurationException {
        try {
            return Optional.of(of(fileName, propertiesProvider.getConfiguration(fileName)));
        } catch (FileNotFoundException e) {
            return Optional.empty();
        }
    }

    public static PropertiesFile of(String fileName, Configuration configuration) {
        return new PropertiesFile(fileName, configuration);
    }

    public Iterator<String> keys() {
        return configuration.getKeys();
    }

    /** A single value, trimmed; blank means absent. */
    public Optional<String> string(String key) {
        return Optional.ofNullable(configuration.getString(key, null))
            .map(String::trim)
            .filter(value -> !value.isEmpty());
    }

    /**
     * A secret as written. James's properties reader splits a value on its unescaped commas (and trims the pieces):
     * the pieces are joined back, so {@code a,b} stays {@code a,b}; a comma next to a space must be written
     * {@code \,} to keep the space.
     */
    public Optional<String> secret(String key) {
        Object raw = configuration.getProperty(key);
        String value = raw instanceof Collection
            ? ((Collection<?>) raw).stream().map(String::valueOf).collect(Collectors.joining(","))
            : raw == null ? "" : String.valueOf(raw);
        return Optional.of(value).filter(written -> !written.isEmpty());
    }

    /** Comma separated values, whether or not the configuration already split them; empty items dropped. */
    public ImmutableList<String> list(String key) {
        return configuration.getList(String.class, key, ImmutableList.of()).stream()
            .flatMap(value -> Arrays.stream(value.split(",")))
            .map(String::trim)
            .filter(value -> !value.isEmpty())
            .collect(ImmutableList.toImmutableList());
    }

    /** A positive duration as James writes them ({@code 90s}, {@code 30m}, {@code 1h}; a bare number is seconds). */
    public Optional<Duration> duration(String key) throws ConfigurationException {
        Optional<String> value = string(key);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        Duration duration;
        try {
            duration = DurationParser.parse(value.get(), ChronoUnit.SECONDS);
        } catch (IllegalArgumentException e) {
            throw invalid(key, "not a duration (like 90s, 30m, 1h): " + value.get());
        }
        if (duration.isNegative() || duration.isZero()) {
            throw invalid(key, "must be positive");
        }
        return Optional.of(duration);
    }

    public int integer(String key, int defaultValue) throws ConfigurationException {
        Optional<String> value = string(key);
        try {
            return value.isPresent() ? Integer.parseInt(value.get()) : defaultValue;
        } catch (NumberFormatException e) {
            throw invalid(key, "not a number: " + value.get());
        }
    }

    /** {@code true} or {@code false}, nothing else. */
    public boolean bool(String key, boolean defaultValue) throws ConfigurationException {
        Optional<String> value = string(key);
        if (value.isEmpty()) {
            return defaultValue;
        }
        switch (value.get().toLowerCase(java.util.Locale.US)) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                throw invalid(key, "true or false, not: " + value.get());
        }
    }

    /** The error that names this file and the key. */
    public ConfigurationException invalid(String key, String problem) {
        return new ConfigurationException(fileName + ".properties: " + key + ": " + problem);
    }
}
