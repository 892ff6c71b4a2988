package org.jamesetrn.client;

/** What made the client ask its relays: said in each log line. */
enum Trigger {
    /** Once, when James's SMTP server listens after start-up. */
    START_UP("start-up"),
    /** Every {@code interval} of etrn-client.properties. */
    INTERVAL("interval"),
    /** {@code POST /etrnClient} on WebAdmin. */
    WEBADMIN("WebAdmin");

    private final String label;

    Trigger(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }
}
