package org.jamesetrn.release;

import java.util.List;

import org.jamesetrn.node.Node;

import com.google.common.collect.ImmutableList;

/** Sources that hold mail by recipient domain (holds, shared repositories): no {@code #queue} node is theirs. */
public abstract class DomainSources implements DeferredMailSources {
    @Override
    public boolean serves(Node node) {
        return node.kind() != Node.Kind.QUEUE;
    }

    @Override
    public List<DeferredMailSource> sourcesFor(Node node) throws Exception {
        return node.kind() == Node.Kind.QUEUE ? ImmutableList.of() : domainSources(node);
    }

    /** The sources of a domain node ({@code d} or {@code @d}). */
    protected abstract List<DeferredMailSource> domainSources(Node node) throws Exception;
}
