package org.jamesetrn.server;

import java.util.List;

import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.broker.region.policy.PolicyEntry;
import org.apache.activemq.broker.region.policy.PolicyMap;
import org.apache.activemq.store.kahadb.KahaDBPersistenceAdapter;

/**
 * James's store (KahaDB, as James's ActiveMQ queue module binds it), plus the one broker setting of this assembly:
 * every queue dispatches by JMS priority ({@code prioritizedMessages}).
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
    @Override
    public void setBrokerService(BrokerService broker) {
        super.setBrokerService(broker);
        if (broker.getDestinationPolicy() == null) {
            PolicyEntry everyQueue = new PolicyEntry();
            everyQueue.setQueue(">");
            everyQueue.setPrioritizedMessages(true);
            everyQueue.setMaxBrowsePageSize(Integer.MAX_VALUE);
            PolicyMap policy = new PolicyMap();
            policy.setPolicyEntries(List.of(everyQueue));
            broker.setDestinationPolicy(policy);
        }
    }
}
