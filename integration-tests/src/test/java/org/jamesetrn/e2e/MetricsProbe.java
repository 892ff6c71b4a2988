package org.jamesetrn.e2e;

import javax.inject.Inject;

import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.utils.GuiceProbe;

/** Reads a James server's counters, through the MetricFactory its components count with. */
public class MetricsProbe implements GuiceProbe {
    private final MetricFactory metrics;

    @Inject
    public MetricsProbe(MetricFactory metrics) {
        this.metrics = metrics;
    }

    public long counter(String name) {
        return metrics.generate(name).getCount();
    }
}
