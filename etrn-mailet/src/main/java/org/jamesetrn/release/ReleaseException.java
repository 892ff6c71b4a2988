package org.jamesetrn.release;

/** A release could not be done because of the queue backend: temporary, the ETRN reply is 458. */
public class ReleaseException extends RuntimeException {
    public ReleaseException(String message, Throwable cause) {
        super(message, cause);
    }

    public ReleaseException(String message) {
        super(message);
    }
}
