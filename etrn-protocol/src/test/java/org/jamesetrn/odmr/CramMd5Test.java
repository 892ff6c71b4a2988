package org.jamesetrn.odmr;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CramMd5Test {
    /** RFC 2195 section 2's example. */
    private static final String CHALLENGE = "<1896.697170952@postoffice.reston.mci.net>";

    @Test
    void theRfcExampleAnswer() {
        assertThat(CramMd5.answer("tim", "tanstaaftanstaaf", CHALLENGE)).isEqualTo("tim b913a602c7eda7a495b4e6e7334d3890");
        assertThat(CramMd5.base64(CramMd5.answer("tim", "tanstaaftanstaaf", CHALLENGE)))
            .isEqualTo("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
    }

    @Test
    void anAnswerProvesTheSecretOfItsChallengeOnly() {
        CramMd5.Answer answer = CramMd5.parse(CramMd5.answer("site@example.org", "s3cret", CHALLENGE)).orElseThrow();

        assertThat(answer.user()).isEqualTo("site@example.org");
        assertThat(answer.provesSecret("s3cret", CHALLENGE)).isTrue();
        assertThat(answer.provesSecret("s3cret!", CHALLENGE)).isFalse();
        assertThat(answer.provesSecret("s3cret", CramMd5.challenge("provider.test"))).isFalse();
        assertThat(CramMd5.parse("tim B913A602C7EDA7A495B4E6E7334D3890").orElseThrow().provesSecret("tanstaaftanstaaf",
            CHALLENGE)).as("hex in upper case is read too").isTrue();
    }

    @Test
    void whatIsNotUserSpaceDigestIsNoAnswer() {
        assertThat(CramMd5.parse("tim")).isEmpty();
        assertThat(CramMd5.parse(" b913a602c7eda7a495b4e6e7334d3890")).isEmpty();
        assertThat(CramMd5.parse("tim b913a602")).isEmpty();
        assertThat(CramMd5.parse("tim zz13a602c7eda7a495b4e6e7334d3890")).isEmpty();
    }

    @Test
    void challengesDifferAndNameTheHost() {
        assertThat(CramMd5.challenge("provider.test")).matches("<\\d+\\.\\d+@provider\\.test>")
            .isNotEqualTo(CramMd5.challenge("provider.test"));
    }
}
