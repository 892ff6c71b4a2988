package org.jamesetrn.release.queue;

import java.lang.reflect.Field;
import java.util.Optional;

/** Recognises queue implementations by class name, so that their classes need not be on the server's classpath. */
public final class QueueClasses {
    static final String MEMORY_FACTORY = "org.apache.james.queue.memory.MemoryMailQueueFactory";
    static final String MEMORY_QUEUE = MEMORY_FACTORY + "$MemoryCacheableMailQueue";
    static final String MEMORY_ITEM = MEMORY_FACTORY + "$MemoryMailQueueItem";
    static final String JMS_FACTORY = "org.apache.james.queue.jms.JMSMailQueueFactory";
    static final String JMS_QUEUE = "org.apache.james.queue.jms.JMSCacheableMailQueue";
    /** The James release whose private queue members this extension reaches. */
    static final String SUPPORTED_JAMES = "3.8.1";

    private QueueClasses() {
    }

    /** James's memory queue: its content is gone when the server dies. */
    public static boolean isMemoryQueue(Object queue) {
        return isA(queue, MEMORY_QUEUE);
    }

    static boolean isA(Object object, String className) {
        for (Class<?> type = object.getClass(); type != null; type = type.getSuperclass()) {
            if (type.getName().equals(className)) {
                return true;
            }
        }
        return false;
    }

    static Field declaredField(Class<?> type, String name) throws NoSuchFieldException {
        for (Class<?> current = type; current != null; current = current.getSuperclass()) {
            try {
                return current.getDeclaredField(name);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(type.getName() + "." + name);
    }

    /** The James version a class comes from, as its jar's manifest says (James's jars set Implementation-Version). */
    static String jamesVersion(Class<?> type) {
        return Optional.ofNullable(type.getPackage())
            .map(Package::getImplementationVersion)
            .orElse("of unknown version");
    }

    /** The start-up failure for a James class that is not what this extension was built against. */
    static IllegalStateException unsupported(Class<?> type, String what, Throwable cause) {
        return new IllegalStateException("ETRN cannot take mail from this James's queue: " + type.getName()
            + " (James " + jamesVersion(type) + ") " + what + ". This ETRN extension reaches that private member of"
            + " James " + SUPPORTED_JAMES + "'s queue and supports that version only.", cause);
    }
}
