package org.jamesetrn.odmr;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * SASL CRAM-MD5 (RFC 2195), the mechanism RFC 2645 makes mandatory for ODMR: the provider sends a challenge
 * ({@code <random.timestamp@host>}), the customer answers {@code user SP hex(HMAC-MD5(secret, challenge))}. The
 * secret itself never crosses the network, which is why the provider must know it (James's users repository keeps
 * only hashes: ODMR has its own file of customers). Both sides are here; nothing of a secret is ever printed.
 */
public final class CramMd5 {
    public static final String MECHANISM = "CRAM-MD5";
    private static final String HMAC = "HmacMD5";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The user and digest of a customer's answer. */
    public static final class Answer {
        private final String user;
        private final String digest;

        private Answer(String user, String digest) {
            this.user = user;
            this.digest = digest;
        }

        public String user() {
            return user;
        }

        /** Whether the digest is the HMAC of this challenge under this secret (compared in constant time). */
        public boolean provesSecret(String secret, String challenge) {
            byte[] expected = hex(hmac(secret, challenge)).getBytes(StandardCharsets.US_ASCII);
            return MessageDigest.isEqual(expected, digest.getBytes(StandardCharsets.US_ASCII));
        }
    }

    private CramMd5() {
    }

    /** A fresh challenge (RFC 2195: a unique msg-id), naming this host. */
    public static String challenge(String hostName) {
        return "<" + Long.toUnsignedString(RANDOM.nextLong()) + "." + System.currentTimeMillis() + "@" + hostName + ">";
    }

    /** The customer's answer to a challenge, before base64. */
    public static String answer(String user, String secret, String challenge) {
        return user + " " + hex(hmac(secret, challenge));
    }

    /** Reads a decoded answer: empty when it is not {@code user SP 32-hex-digits}. */
    public static Optional<Answer> parse(String decoded) {
        int space = decoded.lastIndexOf(' ');
        if (space <= 0) {
            return Optional.empty();
        }
        String digest = decoded.substring(space + 1).toLowerCase(java.util.Locale.ROOT);
        if (!digest.matches("[0-9a-f]{32}")) {
            return Optional.empty();
        }
        return Optional.of(new Answer(decoded.substring(0, space), digest));
    }

    public static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** @throws IllegalArgumentException when it is not base64 */
    public static String unbase64(String text) {
        return new String(Base64.getDecoder().decode(text.trim()), StandardCharsets.UTF_8);
    }

    private static byte[] hmac(String secret, String challenge) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC));
            return mac.doFinal(challenge.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-MD5 is not available in this JVM", e);
        }
    }

    private static String hex(byte[] bytes) {
        StringBuilder hex = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return hex.toString();
    }
}
