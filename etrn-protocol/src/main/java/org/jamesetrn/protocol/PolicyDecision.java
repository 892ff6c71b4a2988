package org.jamesetrn.protocol;

import java.util.Optional;

/** The policy's answer for one request: allowed, or refused with a reason the client may read (459). */
final class PolicyDecision {
    private static final PolicyDecision ALLOWED = new PolicyDecision(Optional.empty());

    static PolicyDecision allowed() {
        return ALLOWED;
    }

    static PolicyDecision refused(String reason) {
        return new PolicyDecision(Optional.of(reason));
    }

    private final Optional<String> refusal;

    private PolicyDecision(Optional<String> refusal) {
        this.refusal = refusal;
    }

    boolean isAllowed() {
        return refusal.isEmpty();
    }

    /** Why the request was refused; empty when allowed. */
    Optional<String> refusal() {
        return refusal;
    }

    @Override
    public String toString() {
        return refusal.map(reason -> "refused: " + reason).orElse("allowed");
    }
}
