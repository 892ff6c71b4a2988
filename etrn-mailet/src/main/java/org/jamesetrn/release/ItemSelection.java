package org.jamesetrn.release;

import java.util.List;
import java.util.Optional;

import com.google.common.collect.ImmutableList;

/**
 * A selection that is a list of items nobody owns yet (queue items, repository keys): each is taken at dispatch, one
 * by one, if it is still there and still the node's; abandoning the selection has nothing to give back.
 */
public abstract class ItemSelection<T> implements DeferredMailSource.Selection {
    protected final List<T> selected;

    protected ItemSelection(List<T> items) {
        this.selected = ImmutableList.copyOf(items);
    }

    /** Takes the item and hands it to delivery, tagged when it is the probe; false when it is not to be had any more. */
    protected abstract boolean dispatch(T item, Optional<ProbeOutcomes.Probe> probe) throws Exception;

    /** What the source can see of the item sent as the probe. */
    protected abstract DeferredMailSource.ProbeWatch watch(T item, ProbeOutcomes.Probe probe);

    @Override
    public long count() {
        return selected.size();
    }

    @Override
    public long dispatch() throws Exception {
        long dispatched = 0;
        for (T item : selected) {
            if (dispatch(item, Optional.empty())) {
                dispatched++;
            }
        }
        return dispatched;
    }

    @Override
    public Optional<DeferredMailSource.ProbeWatch> dispatchProbe(ProbeOutcomes.Probe probe) throws Exception {
        for (T item : selected) {
            if (dispatch(item, Optional.of(probe))) {
                return Optional.of(watch(item, probe));
            }
        }
        return Optional.empty();
    }

    @Override
    public void abandon() {
        // nothing owned yet
    }
}
