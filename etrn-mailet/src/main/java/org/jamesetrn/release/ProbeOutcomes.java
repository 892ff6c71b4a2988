package org.jamesetrn.release;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import javax.inject.Singleton;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;

/**
 * Where probe outcomes meet the release waiting for them. A probe mail carries {@link #PROBE} (a random id); the
 * mailets that see the end of a delivery attempt ({@code ReleaseOutcome} after RemoteDelivery's {@code onSuccess} and in
 * its bounce processor, {@code HoldForEtrn} when a released mail comes back) {@link #report} it; the queue sources
 * notice a probe deferred again by RemoteDelivery themselves.
 *
 * <p>Probe-first needs those reports: until a {@code ReleaseOutcome} mailet is initialised ({@link #reportingWired}),
 * releases dispatch everything at once.</p>
 */
@Singleton
public class ProbeOutcomes {
    /** The probe id on the mail; a stale id (the probe's release is over) is ignored. */
    public static final AttributeName PROBE = AttributeName.of("etrn.release.probe");

    private final Map<String, CompletableFuture<ProbeOutcome>> waiting = new ConcurrentHashMap<>();
    private volatile boolean wired;

    /** A new probe id and the future its outcome completes. */
    public Probe expect() {
        String id = UUID.randomUUID().toString();
        CompletableFuture<ProbeOutcome> outcome = new CompletableFuture<>();
        waiting.put(id, outcome);
        outcome.whenComplete((any, error) -> waiting.remove(id));
        return new Probe(id, outcome);
    }

    /** Reports the outcome of the probe {@code mail} is, if it is one. */
    public void report(Mail mail, ProbeOutcome outcome) {
        probeId(mail).ifPresent(id -> report(id, outcome));
    }

    public void report(String probeId, ProbeOutcome outcome) {
        Optional.ofNullable(waiting.get(probeId)).ifPresent(future -> future.complete(outcome));
    }

    /** Called by the outcome-reporting mailet at its initialisation: from then on, releases probe first. */
    public void markReportingWired() {
        wired = true;
    }

    public boolean reportingWired() {
        return wired;
    }

    public static Optional<String> probeId(Mail mail) {
        return mail.getAttribute(PROBE).flatMap(attribute -> attribute.getValue().valueAs(String.class));
    }

    public static Attribute tag(String probeId) {
        return new Attribute(PROBE, AttributeValue.of(probeId));
    }

    /** One probe: its id, carried by the probe mail, and its outcome. */
    public static final class Probe {
        private final String id;
        private final CompletableFuture<ProbeOutcome> outcome;

        Probe(String id, CompletableFuture<ProbeOutcome> outcome) {
            this.id = id;
            this.outcome = outcome;
        }

        public String id() {
            return id;
        }

        public CompletableFuture<ProbeOutcome> outcome() {
            return outcome;
        }
    }
}
