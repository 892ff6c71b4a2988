package org.jamesetrn.kit.probe;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Instant;
import java.util.Optional;

import org.apache.james.utils.ClassName;
import org.apache.james.utils.ExtendedClassLoader;
import org.apache.james.utils.NamingScheme;
import org.apache.mailet.Mail;

/**
 * TESTS AND BENCHMARK ONLY: what the hold stored with a held mail, as the kit reads it: through the hold's own public
 * reader ({@code org.jamesetrn.hold.HeldEntryView}), in the James the probe routes run in, so that the kit parses
 * nothing of the hold.
 *
 * <p>The reader is reached through James's extension class loader, not linked: James loads a route from
 * extensions-jars/ asking its parent loader first, so in a James started inside a test JVM the probe routes come from
 * the tests' classpath, where the extension's jars are not (they reach James from extensions-jars/ only); a link
 * would fail there with NoClassDefFoundError. A reader that is not as expected fails when the routes start.</p>
 */
final class HeldState {
    private static final String VIEW = "org.jamesetrn.hold.HeldEntryView";

    /** The hold's reader, as James's extension class loader finds it. */
    static final class Reader {
        private final Method of;
        private final Method since;
        private final Method generation;

        Reader(ExtendedClassLoader extensions) {
            try {
                Class<?> view = extensions.locateClass(
                    NamingScheme.IDENTITY.toFullyQualifiedClassNames(new ClassName(VIEW)).findFirst().orElseThrow());
                this.of = view.getMethod("of", String.class, Mail.class);
                this.since = view.getMethod("since");
                this.generation = view.getMethod("generation");
            } catch (ClassNotFoundException | NoSuchMethodException e) {
                throw new IllegalStateException("the hold's reader " + VIEW + " is not as the probe routes expect it", e);
            }
        }

        /** The state the hold stored with this mail of {@code domain}'s repository; empty when it is no held entry. */
        Optional<HeldState> read(String domain, Mail mail) {
            try {
                Optional<?> view = (Optional<?>) of.invoke(null, domain, mail);
                if (view.isEmpty()) {
                    return Optional.empty();
                }
                return Optional.of(new HeldState((Instant) since.invoke(view.get()), (String) generation.invoke(view.get())));
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read the held state of " + mail.getName(), e);
            }
        }
    }

    private final Instant since;
    private final String generation;

    private HeldState(Instant since, String generation) {
        this.since = since;
        this.generation = generation;
    }

    /** When the mail first entered the hold: its expiry clock. */
    Instant since() {
        return since;
    }

    /** The entry's identity (and key): a new one after every attempt that leaves recipients held. */
    String generation() {
        return generation;
    }
}
