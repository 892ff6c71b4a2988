package org.jamesetrn.policy;

/** The policy cannot be decided now (James's domain list cannot be read): a temporary failure. */
public class PolicyUnavailableException extends Exception {
    public PolicyUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
