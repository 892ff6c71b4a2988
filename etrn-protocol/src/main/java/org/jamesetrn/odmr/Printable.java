package org.jamesetrn.odmr;

/**
 * Text from the network (a peer's reply, a customer's name, a domain it asked for) made safe for a log line, an SMTP
 * reply or JSON: one line of printable ASCII, bounded. A peer's text is data, not log syntax.
 */
public final class Printable {
    private static final int MAX_TEXT = 300;

    private Printable() {
    }

    public static String clean(String text) {
        if (text == null) {
            return "";
        }
        String oneLine = text.strip().replaceAll("\\s*[\\r\\n]+\\s*", " / ");
        StringBuilder cleaned = new StringBuilder(Math.min(oneLine.length(), MAX_TEXT));
        for (int i = 0; i < oneLine.length() && cleaned.length() < MAX_TEXT; i++) {
            char c = oneLine.charAt(i);
            cleaned.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return oneLine.length() > MAX_TEXT ? cleaned + "..." : cleaned.toString();
    }
}
