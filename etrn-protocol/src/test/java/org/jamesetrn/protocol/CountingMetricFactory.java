package org.jamesetrn.protocol;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.james.metrics.api.Metric;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.metrics.api.TimeMetric;
import org.reactivestreams.Publisher;

/** Counters only: what the ETRN handler publishes. */
final class CountingMetricFactory implements MetricFactory {
    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();

    long count(String name) {
        return counters.getOrDefault(name, new AtomicLong()).get();
    }

    @Override
    public Metric generate(String name) {
        AtomicLong counter = counters.computeIfAbsent(name, any -> new AtomicLong());
        return new Metric() {
            @Override
            public void increment() {
                counter.incrementAndGet();
            }

            @Override
            public void decrement() {
                counter.decrementAndGet();
            }

            @Override
            public void add(int value) {
                counter.addAndGet(value);
            }

            @Override
            public void remove(int value) {
                counter.addAndGet(-value);
            }

            @Override
            public long getCount() {
                return counter.get();
            }
        };
    }

    @Override
    public TimeMetric timer(String name) {
        throw new UnsupportedOperationException();
    }

    @Override
    public <T> Publisher<T> decoratePublisherWithTimerMetric(String name, Publisher<T> publisher) {
        throw new UnsupportedOperationException();
    }

    @Override
    public <T> Publisher<T> decoratePublisherWithTimerMetricLogP99(String name, Publisher<T> publisher) {
        throw new UnsupportedOperationException();
    }
}
