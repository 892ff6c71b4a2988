package org.jamesetrn.odmr.provider;

import java.util.Locale;

/** The provider's answer to one ATRN (RFC 2645 section 7): the outcome and the reply line the customer reads. */
final class AtrnAnswer {
    enum Outcome {
        /** 250: the connection turns around, the held mail follows. */
        TURNAROUND,
        /** 453: nothing held for these domains. */
        NO_MAIL,
        /** 450: a domain the customer does not own; nothing is sent. */
        NOT_OWNED,
        /** 450: a turnaround of this customer runs already (another connection). */
        BUSY,
        /** 451: the hold cannot be read now. */
        FAILED,
        /** 530: ATRN before AUTH. */
        UNAUTHENTICATED,
        /** 501: not a list of domains. */
        SYNTAX_ERROR;

        String metricName() {
            return "odmr_atrn_" + name().toLowerCase(Locale.US);
        }
    }

    static AtrnAnswer turnaround() {
        return new AtrnAnswer(Outcome.TURNAROUND, "250 2.0.0 OK now reversing the connection");
    }

    static AtrnAnswer noMail() {
        return new AtrnAnswer(Outcome.NO_MAIL, "453 4.2.0 You have no mail");
    }

    static AtrnAnswer notOwned(String domain) {
        return new AtrnAnswer(Outcome.NOT_OWNED, "450 4.7.1 ATRN request refused: " + domain + " is not yours");
    }

    static AtrnAnswer busy() {
        return new AtrnAnswer(Outcome.BUSY, "450 4.7.0 ATRN request refused: your mail is being delivered on another connection");
    }

    static AtrnAnswer failed() {
        return new AtrnAnswer(Outcome.FAILED, "451 4.3.0 Unable to process ATRN request now");
    }

    static AtrnAnswer unauthenticated() {
        return new AtrnAnswer(Outcome.UNAUTHENTICATED, "530 5.7.0 Authentication required");
    }

    static AtrnAnswer syntaxError(String why) {
        return new AtrnAnswer(Outcome.SYNTAX_ERROR, "501 5.5.4 Syntax error in ATRN domains: " + why);
    }

    private final Outcome outcome;
    private final String reply;

    private AtrnAnswer(Outcome outcome, String reply) {
        this.outcome = outcome;
        this.reply = reply;
    }

    Outcome outcome() {
        return outcome;
    }

    String reply() {
        return reply;
    }
}
