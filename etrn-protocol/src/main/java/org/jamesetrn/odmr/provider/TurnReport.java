package org.jamesetrn.odmr.provider;

import org.jamesetrn.hold.AttemptOutcome;

/** What one turnaround did: mails tried, recipients per outcome, and how the session ended. Not thread safe. */
final class TurnReport {
    private int mails;
    private int delivered;
    private int refusedForNow;
    private int refusedForGood;
    private String end = "not started";

    void attempted(AttemptOutcome outcome) {
        mails++;
        delivered += outcome.delivered().size();
        refusedForNow += outcome.refusedForNow().size();
        refusedForGood += outcome.refusedForGood().size();
    }

    void ended(String how) {
        this.end = how;
    }

    int mails() {
        return mails;
    }

    int delivered() {
        return delivered;
    }

    int refusedForNow() {
        return refusedForNow;
    }

    int refusedForGood() {
        return refusedForGood;
    }

    String end() {
        return end;
    }

    @Override
    public String toString() {
        return mails + " mails, recipients: " + delivered + " delivered, " + refusedForNow + " refused for now, "
            + refusedForGood + " refused for good; " + end;
    }
}
