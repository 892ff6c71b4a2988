package org.jamesetrn.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.jamesetrn.kit.Repository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README stays a newcomer's page (issue 20): at most 250 lines, the reference in docs/; and no page sends its reader
 * to a file or a heading that is not there. Reads the repository only: no James.
 */
class DocumentationTest {
    private static final int README_MOST_LINES = 250;

    private final Repository repository = Repository.underTest();

    @Test
    void readmeIsAtMost250Lines() throws IOException {
        int lines = Files.readAllLines(repository.readme()).size();
        assertThat(lines)
            .as("README.md has %d lines, at most %d: the reference belongs in docs/", lines, README_MOST_LINES)
            .isLessThanOrEqualTo(README_MOST_LINES);
    }

    @Test
    void everyRelativeLinkOfReadmeAndDocsResolves() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(repository.readme()));
        try (Stream<Path> docs = Files.list(repository.docs())) {
            docs.filter(page -> page.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        assertThat(pages).hasSizeGreaterThan(1);

        assertThat(MarkdownLinks.broken(repository.root(), pages)).as("broken links").isEmpty();
    }

    @Test
    void eachBrokenLinkIsNamedWithItsPageAndLine(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("docs/etrn.md"), String.join("\n",
            "# The ETRN command",
            "## Replies: `250`, `251` and `253` (RFC 1985)",
            "## Options",
            "```sh",
            "# not a heading",
            "```",
            "## Options",
            "Back to [the README](../README.md#two-commands), [a queue](#queue).",
            ""));
        Files.writeString(root.resolve("README.md"), String.join("\n",
            "# Title",
            "## Two commands",
            "[Replies](docs/etrn.md#replies-250-251-and-253-rfc-1985), [options](docs/etrn.md#options-1),"
                + " [`conf/`](docs), [James](https://james.apache.org), [here](#title)",
            "In code: `[not a link](nowhere.md)`.",
            "```",
            "[not a link either](nowhere.md)",
            "```",
            "[gone](docs/gone.md), [no such heading](docs/etrn.md#not-a-heading), [twice](docs/etrn.md#options-2)",
            "[up](../elsewhere.md), [%20](docs/etrn%20x.md), [self](#two-commands), [none](#three-commands)",
            "A [link whose text",
            "wraps](docs/wrapped.md) onto the next line, and `a code span",
            "that wraps [too](nowhere.md)`.",
            ""));

        assertThat(MarkdownLinks.broken(root, List.of(root.resolve("README.md"), root.resolve("docs/etrn.md"))))
            .containsExactly(
                "README.md:8: docs/gone.md: no file docs/gone.md",
                "README.md:8: docs/etrn.md#not-a-heading: no heading #not-a-heading in docs/etrn.md",
                "README.md:8: docs/etrn.md#options-2: no heading #options-2 in docs/etrn.md",
                "README.md:9: ../elsewhere.md: outside the repository",
                "README.md:9: docs/etrn%20x.md: no file docs/etrn x.md",
                "README.md:9: #three-commands: no heading #three-commands in README.md",
                "README.md:10: docs/wrapped.md: no file docs/wrapped.md",
                "docs/etrn.md:8: #queue: no heading #queue in docs/etrn.md");
    }

    @Test
    void slugsAreGitHubs() {
        assertThat(MarkdownLinks.slug("The page window (JAMES-4192), lifted by the extension"))
            .isEqualTo("the-page-window-james-4192-lifted-by-the-extension");
        assertThat(MarkdownLinks.slug("`POST /etrn/{node}`: the answers")).isEqualTo("post-etrnnode-the-answers");
        assertThat(MarkdownLinks.slug("Three changes to James's queue, all in `james-server` (none in the extension)"))
            .isEqualTo("three-changes-to-jamess-queue-all-in-james-server-none-in-the-extension");
        assertThat(MarkdownLinks.slug("On-Demand Mail Relay (ATRN)")).isEqualTo("on-demand-mail-relay-atrn");
        assertThat(MarkdownLinks.slug("Which server keeps what")).isEqualTo("which-server-keeps-what");
        assertThat(MarkdownLinks.slug("[Hold](hold.md) for ETRN")).isEqualTo("hold-for-etrn");
    }
}
