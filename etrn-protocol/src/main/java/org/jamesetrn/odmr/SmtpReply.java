package org.jamesetrn.odmr;

import java.util.List;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;

/** One SMTP reply (RFC 5321 section 4.2): its three-digit code and its lines, code and separator included. */
public final class SmtpReply {
    public static SmtpReply of(int code, List<String> lines) {
        Preconditions.checkArgument(code >= 100 && code <= 599, "not a reply code: %s", code);
        Preconditions.checkArgument(!lines.isEmpty(), "a reply has at least one line");
        return new SmtpReply(code, ImmutableList.copyOf(lines));
    }

    private final int code;
    private final ImmutableList<String> lines;

    private SmtpReply(int code, ImmutableList<String> lines) {
        this.code = code;
        this.lines = lines;
    }

    public int code() {
        return code;
    }

    public List<String> lines() {
        return lines;
    }

    /** 2xx. */
    public boolean positive() {
        return code / 100 == 2;
    }

    /** 4xx: refused for now. */
    public boolean transientFailure() {
        return code / 100 == 4;
    }

    /** 5xx: refused for good. */
    public boolean permanentFailure() {
        return code / 100 == 5;
    }

    /** The texts after the code of every line (EHLO keywords, one a line). */
    public List<String> texts() {
        return lines.stream()
            .map(line -> line.length() > 4 ? line.substring(4) : "")
            .collect(ImmutableList.toImmutableList());
    }

    /** The lines joined by " / ", cleaned to printable ASCII: for a log line, a DSN's diagnostic, JSON. */
    @Override
    public String toString() {
        return Printable.clean(String.join(" / ", lines));
    }
}
