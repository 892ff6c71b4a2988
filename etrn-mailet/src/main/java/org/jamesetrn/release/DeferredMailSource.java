package org.jamesetrn.release;

import java.util.Optional;

import org.jamesetrn.node.Node;

/**
 * One place where deferred mail waits (a RemoteDelivery queue, a hold repository). A node's release works in two
 * steps so that the ETRN reply can be given between them: {@link #select} finds (and, where the backend allows,
 * locks) the node's mail, {@link Selection#dispatch} hands it to delivery now. Implementations guarantee that a mail
 * is dispatched at most once and never lost, whatever runs concurrently.
 */
public interface DeferredMailSource {
    /** A name for logs: the queue or repository. */
    String name();

    Selection select(Node node) throws Exception;

    /** What waits here for the node, read without taking or moving anything. */
    SourceFigures figures(Node node) throws Exception;

    interface Selection {
        /** How many deferred mails were selected: the number the ETRN reply reports. */
        long count();

        /** Hands the selected mails to delivery now; returns how many this release moved. */
        long dispatch() throws Exception;

        /**
         * Hands ONE of the selected mails to delivery now, tagged with {@code probe} ({@link ProbeOutcomes#PROBE}), and
         * gives the rest of the selection up unchanged. Empty when none of the selected mails could be taken any more
         * (someone else took them since the selection).
         */
        Optional<ProbeWatch> dispatchProbe(ProbeOutcomes.Probe probe) throws Exception;

        /** Gives the selection up without dispatching anything (another source's selection failed). */
        void abandon();
    }

    /** What the source itself can see of its probe; outcomes reported by mailets arrive through {@link ProbeOutcomes}. */
    interface ProbeWatch {
        /** Looks once; empty while nothing is seen here. */
        Optional<ProbeOutcome> look() throws Exception;

        /** A source that sees nothing itself (all outcomes are reported by mailets). */
        ProbeWatch BLIND = Optional::empty;
    }
}
