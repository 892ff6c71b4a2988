package org.jamesetrn.hold;

/** The hold on James's memory repositories. */
class MemoryHoldTest extends HoldContract {
    @Override
    String root() {
        return "memory://var/mail/etrn-hold/";
    }
}
