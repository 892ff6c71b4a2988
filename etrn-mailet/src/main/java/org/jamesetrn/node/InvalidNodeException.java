package org.jamesetrn.node;

/** An ETRN argument (or a configured node) that is not a node: the reason is safe to show, it never echoes input. */
public class InvalidNodeException extends Exception {
    public InvalidNodeException(String reason) {
        super(reason);
    }
}
