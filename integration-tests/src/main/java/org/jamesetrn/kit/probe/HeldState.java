package org.jamesetrn.kit.probe;

import java.io.File;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.james.filesystem.api.FileSystem;
import org.apache.mailet.Mail;

/**
 * TESTS AND BENCHMARK ONLY: what the hold stored with a held mail, as the kit reads it: through the hold's own public
 * reader ({@code org.jamesetrn.hold.HeldEntryView}), so that the kit parses nothing of the hold. The kit does not
 * compile against our jars, and an in-process James has the kit's classes on its own class path: the reader is
 * looked up where James finds the extension, in the jars of its extensions-jars/ folder, once.
 */
final class HeldState {
    private static final String READER = "org.jamesetrn.hold.HeldEntryView";

    /** The hold's reader, found once in the James the probe routes run in. */
    static final class Reader {
        private final Method of;
        private final Method since;
        private final Method generation;

        Reader(FileSystem fileSystem) {
            try {
                List<URL> jars = new ArrayList<>();
                File[] files = fileSystem.getFile("file://extensions-jars/").listFiles((dir, name) -> name.endsWith(".jar"));
                for (File jar : files == null ? new File[0] : files) {
                    jars.add(jar.toURI().toURL());
                }
                Class<?> view = new URLClassLoader(jars.toArray(URL[]::new), HeldState.class.getClassLoader()).loadClass(READER);
                this.of = view.getMethod("of", String.class, Mail.class);
                this.since = view.getMethod("since");
                this.generation = view.getMethod("generation");
            } catch (ReflectiveOperationException | MalformedURLException | java.io.FileNotFoundException e) {
                throw new IllegalStateException("the kit's probe routes need " + READER + " in extensions-jars/", e);
            }
        }

        /** The state the hold stored with this mail of {@code domain}'s repository; empty when it is no held entry. */
        Optional<HeldState> of(String domain, Mail mail) {
            try {
                Optional<?> view = (Optional<?>) of.invoke(null, domain, mail);
                if (view.isEmpty()) {
                    return Optional.empty();
                }
                return Optional.of(new HeldState((Instant) since.invoke(view.get()), (String) generation.invoke(view.get())));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read a held entry with " + READER, e);
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
