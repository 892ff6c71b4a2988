package org.jamesetrn.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The relative links of Markdown pages, checked as GitHub renders them: the linked file exists in the repository, and
 * a {@code #fragment} names a heading of that file by GitHub's slug (the heading's text in lower case, punctuation
 * dropped, each space a hyphen, {@code -1}, {@code -2}... for a heading repeated) or an HTML anchor ({@code id=},
 * {@code name=}). What is in code (fenced blocks, {@code `spans`}) is no link; a link with a scheme
 * ({@code https:}, {@code mailto:}) is not checked. ATX headings only ({@code ## Title}): the pages use no other kind.
 */
final class MarkdownLinks {
    private static final Pattern FENCE = Pattern.compile("^\\s*(```+|~~~+)");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}#{1,6}\\s+(.*?)(?:\\s+#+)?\\s*$");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(.+?)\\1", Pattern.DOTALL);
    private static final Pattern INLINE_LINK =
        Pattern.compile("\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+[\"'(][^)]*)?\\)");
    private static final Pattern REFERENCE =
        Pattern.compile("^ {0,3}\\[[^\\]]+\\]:[ \\t]*<?([^\\s>]+)>?", Pattern.MULTILINE);
    private static final Pattern HREF = Pattern.compile("<a\\s[^>]*href=\"([^\"]*)\"");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s[^>]*(?:id|name)=\"([^\"]+)\"");
    private static final Pattern SCHEME = Pattern.compile("^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)");
    private static final Pattern LINK_TEXT = Pattern.compile("!?\\[([^\\]]*)\\]\\([^)]*\\)");
    private static final Pattern TAG = Pattern.compile("<[^>]+>");

    private final Path root;
    private final Map<Path, Set<String>> anchors = new HashMap<>();

    private MarkdownLinks(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** Every broken relative link of these pages, each as {@code page:line: target: why}, in page and line order. */
    static List<String> broken(Path root, List<Path> pages) {
        MarkdownLinks links = new MarkdownLinks(root);
        List<String> broken = new ArrayList<>();
        for (Path page : pages) {
            Path absolute = page.toAbsolutePath().normalize();
            for (Map.Entry<Integer, String> link : links.linksOf(absolute)) {
                String why = links.whyBroken(absolute, link.getValue());
                if (why != null) {
                    broken.add(links.root.relativize(absolute) + ":" + link.getKey() + ": " + link.getValue()
                        + ": " + why);
                }
            }
        }
        return broken;
    }

    /**
     * The relative links of a page, each as (the line it starts on, its target). Read a paragraph at a time (lines up
     * to a blank line or a fence), so that a link whose text wraps onto the next line is still found.
     */
    private List<Map.Entry<Integer, String>> linksOf(Path page) {
        List<Map.Entry<Integer, String>> links = new ArrayList<>();
        List<String> lines = lines(page);
        boolean fenced = false;
        int first = 0;
        StringBuilder paragraph = new StringBuilder();
        for (int index = 0; index <= lines.size(); index++) {
            String line = index < lines.size() ? lines.get(index) : "";
            boolean fence = FENCE.matcher(line).find();
            if (fenced || fence || line.isBlank()) {
                collect(paragraph.toString(), first, links);
                paragraph.setLength(0);
                first = index + 1;
                if (fence) {
                    fenced = !fenced;
                }
                continue;
            }
            paragraph.append(line).append('\n');
        }
        links.sort(Map.Entry.comparingByKey());
        return links;
    }

    private static void collect(String paragraph, int firstLine, List<Map.Entry<Integer, String>> links) {
        String text = withoutCodeSpans(paragraph);
        for (Pattern pattern : List.of(INLINE_LINK, REFERENCE, HREF)) {
            Matcher link = pattern.matcher(text);
            while (link.find()) {
                String target = link.group(1);
                if (!SCHEME.matcher(target).find()) {
                    long breaks = text.substring(0, link.start()).chars().filter(c -> c == '\n').count();
                    links.add(Map.entry(firstLine + 1 + (int) breaks, target));
                }
            }
        }
    }

    /** GitHub's anchor for a heading's text (before the -1, -2 of a repeated heading). */
    static String slug(String heading) {
        String text = TAG.matcher(LINK_TEXT.matcher(heading).replaceAll("$1")).replaceAll("");
        StringBuilder slug = new StringBuilder();
        text.toLowerCase(Locale.ROOT).codePoints().forEach(c -> {
            if (c == ' ') {
                slug.append('-');
            } else if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                slug.appendCodePoint(c);
            }
        });
        return slug.toString();
    }

    /** The text with each code span blanked (its line breaks kept): `[a](b)` in code is no link, [`a`](b) is one. */
    private static String withoutCodeSpans(String text) {
        Matcher span = CODE_SPAN.matcher(text);
        StringBuilder blanked = new StringBuilder();
        while (span.find()) {
            span.appendReplacement(blanked, span.group().replaceAll("[^\\n]", " "));
        }
        span.appendTail(blanked);
        return blanked.toString();
    }

    private String whyBroken(Path page, String target) {
        int hash = target.indexOf('#');
        String path = percentDecoded(hash < 0 ? target : target.substring(0, hash));
        String fragment = hash < 0 ? null : percentDecoded(target.substring(hash + 1));
        Path file = path.isEmpty() ? page : page.getParent().resolve(path).normalize();
        if (!file.startsWith(root)) {
            return "outside the repository";
        }
        if (!Files.exists(file)) {
            return "no file " + root.relativize(file);
        }
        if (fragment == null) {
            return null;
        }
        if (Files.isDirectory(file) || !file.getFileName().toString().endsWith(".md")) {
            return "an anchor into " + root.relativize(file) + ", which has no headings";
        }
        if (!anchors(file).contains(fragment)) {
            return "no heading #" + fragment + " in " + root.relativize(file);
        }
        return null;
    }

    /** {@code %20} as a space; unlike a form's decoding, {@code +} stays {@code +}. */
    private static String percentDecoded(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private Set<String> anchors(Path file) {
        return anchors.computeIfAbsent(file, this::readAnchors);
    }

    private Set<String> readAnchors(Path file) {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : lines(file)) {
            if (FENCE.matcher(line).find()) {
                fenced = !fenced;
                continue;
            }
            if (fenced) {
                continue;
            }
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                String slug = slug(heading.group(1));
                int times = seen.merge(slug, 1, Integer::sum);
                anchors.add(times == 1 ? slug : slug + "-" + (times - 1));
            }
            Matcher html = HTML_ANCHOR.matcher(line);
            while (html.find()) {
                anchors.add(html.group(1));
            }
        }
        return anchors;
    }

    private List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
