package org.jamesetrn.release;

import org.jamesetrn.node.Node;

/**
 * One place where deferred mail waits (a RemoteDelivery queue; later, hold repositories). A node's release works in
 * two steps so that the ETRN reply can be given between them: {@link #select} finds (and, where the backend allows,
 * locks) the node's mail, {@link Selection#dispatch} hands it to delivery now. Implementations guarantee that a mail
 * is dispatched at most once and never lost, whatever runs concurrently.
 */
public interface DeferredMailSource {
    /** A name for logs: the queue or repository. */
    String name();

    Selection select(Node node) throws Exception;

    interface Selection {
        /** How many deferred mails were selected: the number the ETRN reply reports. */
        long count();

        /** Hands the selected mails to delivery now; returns how many this release moved. */
        long dispatch() throws Exception;

        /** Gives the selection up without dispatching anything (another source's selection failed). */
        void abandon();
    }
}
