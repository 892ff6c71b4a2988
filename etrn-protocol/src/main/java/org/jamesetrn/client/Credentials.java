package org.jamesetrn.client;

import com.google.common.base.Preconditions;

/** SMTP AUTH user and password for one relay. The password is only ever handed to JavaMail, never printed. */
final class Credentials {
    static Credentials of(String user, String password) {
        Preconditions.checkArgument(user != null && !user.isEmpty(), "an AUTH user is required");
        Preconditions.checkArgument(password != null && !password.isEmpty(), "an AUTH password is required");
        return new Credentials(user, password);
    }

    private final String user;
    private final String password;

    private Credentials(String user, String password) {
        this.user = user;
        this.password = password;
    }

    String user() {
        return user;
    }

    String password() {
        return password;
    }

    /** The user only: this is what ends up in a log line or an exception message if anything prints the relay. */
    @Override
    public String toString() {
        return "AUTH user " + user;
    }
}
