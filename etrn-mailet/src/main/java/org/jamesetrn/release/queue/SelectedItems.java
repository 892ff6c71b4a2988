package org.jamesetrn.release.queue;

import java.util.List;

import org.jamesetrn.release.DeferredMailSource;

import com.google.common.collect.ImmutableList;

/** A selection that is a list of queue items owned by nobody yet: abandoning it has nothing to give back. */
abstract class SelectedItems<T> implements DeferredMailSource.Selection {
    protected final List<T> selected;

    SelectedItems(List<T> selected) {
        this.selected = ImmutableList.copyOf(selected);
    }

    @Override
    public long count() {
        return selected.size();
    }

    @Override
    public void abandon() {
        // nothing owned yet
    }
}
