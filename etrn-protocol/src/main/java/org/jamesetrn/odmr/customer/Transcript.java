package org.jamesetrn.odmr.customer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * Follows the SMTP session relayed during a turnaround, without changing a byte of it: the provider's commands and
 * this James's replies, matched in order (PIPELINING included), to count the mails accepted at the final dot and to
 * see the session end with QUIT and 221. A STARTTLS or BDAT between the two ends makes what follows unreadable here:
 * the transcript then stops counting (the relay goes on).
 */
final class Transcript {
    private enum Command { GREETING, DATA, DOT, QUIT, STARTTLS, OTHER }

    private static final int MAX_LINE = 4096;

    private final Deque<Command> pending = new ArrayDeque<>();
    private final ByteArrayOutputStream commandLine = new ByteArrayOutputStream();
    private final ByteArrayOutputStream replyLine = new ByteArrayOutputStream();
    private boolean inData;
    private boolean blind;
    private boolean quitAnswered;
    private long accepted;
    private long refused;

    Transcript() {
        // The first reply is the customer's greeting, which answers no command.
        pending.add(Command.GREETING);
    }

    /** Bytes the provider sent, before they are passed on. */
    synchronized void fromProvider(byte[] bytes, int length) {
        for (int i = 0; i < length && !blind; i++) {
            if (line(commandLine, bytes[i])) {
                command(take(commandLine));
            }
        }
    }

    /** Bytes this James's SMTP server sent, before they are passed on (so that 354 is seen before the content). */
    synchronized void fromLocal(byte[] bytes, int length) {
        for (int i = 0; i < length && !blind; i++) {
            if (line(replyLine, bytes[i])) {
                reply(take(replyLine));
            }
        }
    }

    private static boolean line(ByteArrayOutputStream line, byte b) {
        if (b == '\n') {
            return true;
        }
        if (line.size() < MAX_LINE) {
            line.write(b);
        }
        return false;
    }

    private static String take(ByteArrayOutputStream line) {
        String text = line.toString(StandardCharsets.ISO_8859_1);
        line.reset();
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    private void command(String line) {
        if (inData) {
            if (line.equals(".")) {
                inData = false;
                pending.add(Command.DOT);
            }
            return;
        }
        String verb = (line.length() >= 4 ? line.substring(0, 4) : line).toUpperCase(Locale.US);
        switch (verb) {
            case "DATA":
                pending.add(Command.DATA);
                break;
            case "QUIT":
                pending.add(Command.QUIT);
                break;
            case "STAR":
                pending.add(Command.STARTTLS);
                break;
            case "BDAT":
                blind = true;
                break;
            default:
                pending.add(Command.OTHER);
        }
    }

    private void reply(String line) {
        boolean last = line.length() == 3 || (line.length() > 3 && line.charAt(3) != '-');
        if (!last || line.length() < 3 || !Character.isDigit(line.charAt(0))) {
            return;
        }
        int code = Integer.parseInt(line.substring(0, 3).replaceAll("\\D", "0"));
        Command answered = pending.poll();
        if (answered == null) {
            return;
        }
        switch (answered) {
            case DATA:
                inData = code == 354;
                break;
            case DOT:
                if (code / 100 == 2) {
                    accepted++;
                } else {
                    refused++;
                }
                break;
            case QUIT:
                quitAnswered = code == 221;
                break;
            case STARTTLS:
                blind = code == 220;
                break;
            default:
                break;
        }
    }

    synchronized long accepted() {
        return accepted;
    }

    synchronized long refused() {
        return refused;
    }

    /** The provider said QUIT and this James answered 221: the provider had nothing more. */
    synchronized boolean quitAnswered() {
        return quitAnswered;
    }

    synchronized boolean blind() {
        return blind;
    }
}
