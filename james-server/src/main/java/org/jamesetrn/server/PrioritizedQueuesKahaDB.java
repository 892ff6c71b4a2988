package org.jamesetrn.server;

import java.util.List;

import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.broker.region.policy.PolicyEntry;
import org.apache.activemq.broker.region.policy.PolicyMap;
import org.apache.activemq.store.kahadb.KahaDBPersistenceAdapter;

/**
 * James's store (KahaDB, as James's ActiveMQ queue module binds it), plus the broker settings of this assembly: every
 * queue dispatches by JMS priority ({@code prioritizedMessages}) and is never scanned for expired messages, messages
 * are stored by the threads that send them (below), and the broker sends no advisory messages.
 *
 * <p>Why: James's dequeue selector ("due now or flushed") scans the queue's paged-in messages in dispatch order. In
 * arrival order, mail that became due (new mail, mail an ETRN released, both sent at JMS priority 9 by RemoteDelivery
 * with {@code usePriority} and by the ETRN release) sits behind every deferred mail queued before it (priority 0 with
 * {@code usePriority}): each dequeue scans them all, which makes the dequeue of released mail several times slower
 * behind a large backlog (docs/activemq.md, "Prioritized dispatch", has the measurement).</p>
 *
 * <p>How: the policy must be in place before the broker creates its queues, which it does from the store as it
 * starts, inside James's {@code EmbeddedActiveMQ}, which offers no hook. ActiveMQ hands the broker to its persistence
 * adapter ({@code BrokerServiceAware}) when the adapter is set, before the broker starts: that is where the policy is
 * set, once, through ActiveMQ's public {@link PolicyMap} API, unless the broker already has one.</p>
 *
 * <p>A policy entry brings ActiveMQ's defaults for everything else, which match a broker without policy except one:
 * a queue browser would see only {@code maxBrowsePageSize} (400) messages, where without a policy it sees every
 * paged-in one. James browses to list and count a queue (WebAdmin), so the entry lifts that limit.</p>
 */
public class PrioritizedQueuesKahaDB extends KahaDBPersistenceAdapter {
    /**
     * Stores a queue message on the thread of the connection that sent it ({@code concurrentStoreAndDispatchQueues}
     * off), not on KahaDB's one asynchronous store thread: that thread stored and synced one message after the other,
     * so concurrent SMTP sessions (each enqueuing on a connection of its own, {@link OneDequeueThreadQueues}) still
     * waited for one disk sync per mail. Stored by the connections' threads at once, the messages reach KahaDB's
     * journal together, which writes them in one batch and syncs once. The other setting of ActiveMQ's default
     * (store while dispatching to a consumer, skip the store if it acknowledges first) saves nothing for mail that
     * is held for hours.
     */
    public PrioritizedQueuesKahaDB() {
        setConcurrentStoreAndDispatchQueues(false);
    }

    @Override
    public void setBrokerService(BrokerService broker) {
        super.setBrokerService(broker);
        // No advisory messages: James's queue opens a consumer for every mail it takes and closes it after, and the
        // broker published an advisory message for each opening and closing (and for each consumer it found slow) to
        // topics nothing here reads (measured: 8% of the broker's CPU while the spool holds an intake burst,
        // docs/activemq.md "Holding at intake speed"). Nothing of James, ETRN or the broker's single-process use needs
        // them (they serve networks of brokers and clients watching remote consumers).
        broker.setAdvisorySupport(false);
        if (broker.getDestinationPolicy() == null) {
            PolicyEntry everyQueue = new PolicyEntry();
            everyQueue.setQueue(">");
            everyQueue.setPrioritizedMessages(true);
            everyQueue.setMaxBrowsePageSize(Integer.MAX_VALUE);
            // No expiry scan: James sends its messages without a time to live, and the broker's scan (every 30 s by
            // default) browses the whole queue, every message now that browsing has no page limit (measured: 9% of
            // the broker's CPU during a 5,000-mail burst, and it grows with the queue).
            everyQueue.setExpireMessagesPeriod(0);
            PolicyMap policy = new PolicyMap();
            policy.setPolicyEntries(List.of(everyQueue));
            broker.setDestinationPolicy(policy);
        }
    }
}
