package org.jamesetrn.protocol;

import java.util.Locale;

/** How much an authorized ETRN reply tells ({@code <replies>}). */
enum ReplyMode {
    /** 251 (nothing waiting) / 253 (n started): RFC 1985 counts, shown only to clients allowed to start the node. */
    DETAILED,
    /** Always 250, no counts: the Postfix behaviour. */
    PRIVATE;

    static ReplyMode parse(String value) {
        return valueOf(value.trim().toUpperCase(Locale.US));
    }
}
