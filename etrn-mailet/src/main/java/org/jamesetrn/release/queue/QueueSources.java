package org.jamesetrn.release.queue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.james.queue.api.MailQueue.MailQueueException;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.DeferredMailSource;
import org.jamesetrn.release.DeferredMailSources;
import org.jamesetrn.release.ReleaseConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.collect.ImmutableList;

/**
 * The RemoteDelivery queues the engine releases from ({@code release.queues} of etrn.properties): a domain node is
 * looked up in each of them, a {@code #queue} node only in its own queue and only when it is one of them. No other
 * queue is ever touched. Each queue gets the source that takes its mail exactly once, chosen by the queue's class:
 * James's memory queue, its JMS (ActiveMQ) queue (through the broker James binds, {@link JmsBackend}), or any other
 * {@link ManageableMailQueue} through its public API. {@link #prepare} runs once when James loads the extension.
 */
public class QueueSources implements DeferredMailSources {
    private static final Logger LOGGER = LoggerFactory.getLogger(QueueSources.class);

    private final MailQueueFactory<? extends ManageableMailQueue> queueFactory;
    private final ReleaseConfiguration configuration;
    private final Optional<JmsBackend> jms;
    private final Map<MailQueueName, DeferredMailSource> sources = new ConcurrentHashMap<>();
    private boolean prepared;

    /**
     * @param jms the broker of James's JMS queues, from {@link JmsBackends#lookup}: present where James binds a JMS
     *            ConnectionFactory, which its JMS queues need
     */
    public QueueSources(MailQueueFactory<? extends ManageableMailQueue> queueFactory, ReleaseConfiguration configuration,
                        Optional<JmsBackend> jms) {
        this.queueFactory = queueFactory;
        this.configuration = configuration;
        this.jms = jms;
        LOGGER.info("ETRN releases deferred mail from the queues {}", configuration.queues());
    }

    /**
     * Once, when James starts ({@code EtrnStartup}), else before the first release: checks that ETRN can take mail
     * from the server's queue implementation and prepares it. Throws, which stops James with the message, when this
     * James's memory queue is not the one this extension reaches into, or when its queue is JMS but James binds no
     * ConnectionFactory.
     */
    public synchronized void prepare() {
        if (prepared) {
            return;
        }
        if (QueueClasses.isA(queueFactory, QueueClasses.MEMORY_FACTORY)) {
            try {
                MemoryQueueSource.checkSupported(
                    Class.forName(QueueClasses.MEMORY_QUEUE, false, queueFactory.getClass().getClassLoader()));
            } catch (ClassNotFoundException e) {
                throw QueueClasses.unsupported(queueFactory.getClass(), "has no nested class MemoryCacheableMailQueue", e);
            }
            LOGGER.info("James's memory queue: ETRN takes its mail through the queue's own DelayQueue");
        } else if (QueueClasses.isA(queueFactory, QueueClasses.JMS_FACTORY)) {
            JmsBackend broker = jms.orElseThrow(() -> noConnectionFactory(queueFactory));
            configuration.queues().forEach(broker::prepare);
        }
        prepared = true;
    }

    private static IllegalStateException noConnectionFactory(Object queueOrFactory) {
        return new IllegalStateException("ETRN cannot take mail from James's JMS queue (" + queueOrFactory.getClass().getName()
            + "): James binds no " + JmsBackends.CONNECTION_FACTORY + " in its Guice injector, as its ActiveMQ queue"
            + " module does");
    }

    @Override
    public boolean serves(Node node) {
        return node.kind() != Node.Kind.QUEUE || configuration.queues().contains(MailQueueName.of(node.name()));
    }

    @Override
    public List<DeferredMailSource> sourcesFor(Node node) throws MailQueueException {
        List<MailQueueName> names = node.kind() == Node.Kind.QUEUE
            ? (serves(node) ? ImmutableList.of(MailQueueName.of(node.name())) : ImmutableList.of())
            : configuration.queues();
        ImmutableList.Builder<DeferredMailSource> found = ImmutableList.builder();
        try {
            prepare();
        } catch (RuntimeException e) {
            throw new MailQueueException("ETRN cannot use James's queues", e);
        }
        for (MailQueueName name : names) {
            try {
                source(name).ifPresent(found::add);
            } catch (RuntimeException e) {
                throw new MailQueueException("cannot open queue " + name.asString(), e);
            }
        }
        return found.build();
    }

    /** The source of a queue; empty while the queue does not exist yet (no RemoteDelivery created it: no mail). */
    private Optional<DeferredMailSource> source(MailQueueName name) {
        DeferredMailSource known = sources.get(name);
        if (known != null) {
            return Optional.of(known);
        }
        synchronized (sources) {
            known = sources.get(name);
            if (known != null) {
                return Optional.of(known);
            }
            // getQueue takes a reference on some queues (memory): take it once, keep it, never close it.
            Optional<? extends ManageableMailQueue> queue = queueFactory.getQueue(name);
            queue.ifPresent(q -> sources.put(name, sourceFor(q)));
            return Optional.ofNullable(sources.get(name));
        }
    }

    private DeferredMailSource sourceFor(ManageableMailQueue queue) {
        String name = queue.getName().asString();
        if (QueueClasses.isA(queue, QueueClasses.MEMORY_QUEUE)) {
            LOGGER.info("Queue {} is James's memory queue: ETRN takes its mail through the queue's own DelayQueue", name);
            return new MemoryQueueSource(queue);
        }
        // Test by name first: JmsQueueSource needs javax.jms, absent from servers without a JMS queue.
        if (QueueClasses.isA(queue, QueueClasses.JMS_QUEUE)) {
            LOGGER.info("Queue {} is a JMS queue: ETRN takes its mail in one JMS transaction", name);
            return jms.orElseThrow(() -> noConnectionFactory(queue)).sourceFor(queue);
        }
        LOGGER.info("Queue {} is a {}: ETRN takes its mail through the ManageableMailQueue API", name,
            queue.getClass().getName());
        return new GenericQueueSource(queue, configuration.genericSafetyMargin());
    }
}
