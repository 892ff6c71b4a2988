package org.jamesetrn.release;

/** {@code ETRN #queue} named a queue that the release does not serve: a refusal (459), not a failure. */
public class UnknownQueueException extends ReleaseException {
    public UnknownQueueException(String queueName) {
        super("queue " + queueName + " is not served by ETRN");
    }
}
