package org.jamesetrn.release.queue;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

/** Recognises queue implementations by class name, so that their classes need not be on the server's classpath. */
final class QueueClasses {
    static final String MEMORY_QUEUE = "org.apache.james.queue.memory.MemoryMailQueueFactory$MemoryCacheableMailQueue";
    static final String JMS_QUEUE = "org.apache.james.queue.jms.JMSCacheableMailQueue";

    private QueueClasses() {
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

    static Method declaredMethod(Class<?> type, String name, Class<?>... parameters) throws NoSuchMethodException {
        for (Class<?> current = type; current != null; current = current.getSuperclass()) {
            try {
                return current.getDeclaredMethod(name, parameters);
            } catch (NoSuchMethodException e) {
                // look in the superclass
            }
        }
        throw new NoSuchMethodException(type.getName() + "." + name);
    }
}
