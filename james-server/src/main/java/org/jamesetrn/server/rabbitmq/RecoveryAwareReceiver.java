package org.jamesetrn.server.rabbitmq;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;

import reactor.core.publisher.Flux;
import reactor.rabbitmq.AcknowledgableDelivery;
import reactor.rabbitmq.ConsumeOptions;
import reactor.rabbitmq.Receiver;
import reactor.rabbitmq.ReceiverOptions;

/**
 * reactor-rabbitmq's receiver, whose consumers stay cancelled once their flux is: a consumer cancelled while RabbitMQ
 * is away is not brought back by the RabbitMQ client's automatic recovery.
 *
 * <p>Why: when RabbitMQ restarts, James's connection pool ({@code SimpleConnectionPool}) finds its connection closed,
 * opens a new one and restarts the spool (James's {@code JamesMailSpooler.restart}, the reconnection handler of
 * {@link RabbitMQQueueModule}): the old spool consumer's flux is cancelled while its channel is down, so reactor-rabbitmq
 * cannot cancel the consumer on RabbitMQ (it does only on an open channel), and the RabbitMQ client, which recovers the
 * old connection by itself a few seconds later ({@code ConnectionFactory}'s automatic recovery is on in James's
 * factory), registers the consumer again on it, with its prefetch, for a flux nobody reads: up to 8 mails delivered to
 * it and never processed nor acknowledged, until the server stops (ClusterIntakeTest's RabbitMQ restart, before this).
 * Here the cancelled consumer's channel is aborted, which also makes the client forget it (its recorded consumers
 * and the channel itself are dropped from what it recovers); should the recovery have restored the channel already, it
 * is aborted then, which hands its unacknowledged mails back to RabbitMQ for the live consumers.</p>
 *
 * <p>Consumers whose flux is not cancelled (RemoteDelivery's queues) are untouched: they resume on the recovered
 * connection, as reactor-rabbitmq intends.</p>
 */
final class RecoveryAwareReceiver extends Receiver {
    private static final Logger LOGGER = LoggerFactory.getLogger(RecoveryAwareReceiver.class);

    RecoveryAwareReceiver(ReceiverOptions options) {
        super(options);
    }

    @Override
    public Flux<AcknowledgableDelivery> consumeManualAck(String queue, ConsumeOptions options) {
        AtomicReference<Channel> consuming = new AtomicReference<>();
        AtomicBoolean cancelled = new AtomicBoolean();
        Consumer<Channel> callback = options.getChannelCallback();
        options.channelCallback(channel -> {
            consuming.set(channel);
            if (channel instanceof Recoverable) {
                ((Recoverable) channel).addRecoveryListener(new RecoveryListener() {
                    @Override
                    public void handleRecovery(Recoverable recovered) {
                        if (cancelled.get()) {
                            LOGGER.warn("A consumer of {} cancelled while RabbitMQ was away came back with its channel:"
                                + " closed", queue);
                            abort(channel);
                        }
                    }

                    @Override
                    public void handleRecoveryStarted(Recoverable recovering) {
                        // only the recovery's end matters
                    }
                });
            }
            if (callback != null) {
                callback.accept(channel);
            }
        });
        // After reactor-rabbitmq's own clean-up (basicCancel and close, on an open channel only).
        return super.consumeManualAck(queue, options).doFinally(signal -> {
            cancelled.set(true);
            Channel channel = consuming.get();
            if (channel != null && !channel.isOpen()) {
                // Down while RabbitMQ is away (or closed just now by reactor-rabbitmq's clean-up: aborting it is a no-op).
                LOGGER.debug("The channel of a consumer of {} that ended is closed: not to be recovered", queue);
                abort(channel);
            }
        });
    }

    /** Never throws: the channel is down already, or goes down now; either way the client stops recovering it. */
    private static void abort(Channel channel) {
        try {
            channel.abort();
        } catch (Exception e) {
            LOGGER.debug("Aborting a cancelled consumer's channel", e);
        }
    }
}
