package org.jamesetrn.hold;

import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.Domain;
import org.apache.james.core.MailAddress;
import org.apache.mailet.HostAddress;
import org.apache.mailet.LookupException;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.slf4j.Logger;

/**
 * The mailet context {@link HoldDelivery}'s RemoteDelivery works with: James's, except that the mails RemoteDelivery
 * sends to a processor (its reports: delivered recipients to onSuccess, refusals to the bounce processor) go to
 * HoldDelivery first.
 */
final class AttemptContext implements MailetContext {
    private final MailetContext context;
    private final HoldDelivery delivery;

    AttemptContext(MailetContext context, HoldDelivery delivery) {
        this.context = context;
        this.delivery = delivery;
    }

    @Override
    public void sendMail(Mail mail, String state) throws MessagingException {
        delivery.sent(mail, state);
    }

    @Override
    public void sendMail(Mail mail, String state, long delay, TimeUnit unit) throws MessagingException {
        context.sendMail(mail, state, delay, unit);
    }

    @Override
    public int getMajorVersion() {
        return context.getMajorVersion();
    }

    @Override
    public int getMinorVersion() {
        return context.getMinorVersion();
    }

    @Override
    public String getServerInfo() {
        return context.getServerInfo();
    }

    @Override
    public Iterator<String> getAttributeNames() {
        return context.getAttributeNames();
    }

    @Override
    public Object getAttribute(String name) {
        return context.getAttribute(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        context.setAttribute(name, value);
    }

    @Override
    public void removeAttribute(String name) {
        context.removeAttribute(name);
    }

    @Override
    public void log(String message) {
        context.log(message);
    }

    @Override
    public void log(String message, Throwable t) {
        context.log(message, t);
    }

    @Override
    public void log(LogLevel level, String message) {
        context.log(level, message);
    }

    @Override
    public void log(LogLevel level, String message, Throwable t) {
        context.log(level, message, t);
    }

    @Override
    public MailAddress getPostmaster() {
        return context.getPostmaster();
    }

    @Override
    public boolean isLocalServer(Domain domain) {
        return context.isLocalServer(domain);
    }

    @Override
    public boolean isLocalUser(String userAccount) {
        return context.isLocalUser(userAccount);
    }

    @Override
    public boolean isLocalEmail(MailAddress mailAddress) {
        return context.isLocalEmail(mailAddress);
    }

    @Override
    public Collection<String> getMailServers(Domain domain) {
        return context.getMailServers(domain);
    }

    @Override
    public Iterator<HostAddress> getSMTPHostAddresses(Domain domain) {
        return context.getSMTPHostAddresses(domain);
    }

    @Override
    public void sendMail(MimeMessage message) throws MessagingException {
        context.sendMail(message);
    }

    @Override
    public void sendMail(MailAddress sender, Collection<MailAddress> recipients, MimeMessage message)
            throws MessagingException {
        context.sendMail(sender, recipients, message);
    }

    @Override
    public void sendMail(MailAddress sender, Collection<MailAddress> recipients, MimeMessage message, String state)
            throws MessagingException {
        context.sendMail(sender, recipients, message, state);
    }

    @Override
    public void sendMail(Mail mail) throws MessagingException {
        context.sendMail(mail);
    }

    @Override
    public void sendMail(Mail mail, long delay, TimeUnit unit) throws MessagingException {
        context.sendMail(mail, delay, unit);
    }

    @Override
    public void bounce(Mail mail, String message) throws MessagingException {
        context.bounce(mail, message);
    }

    @Override
    public void bounce(Mail mail, String message, MailAddress bouncer) throws MessagingException {
        context.bounce(mail, message, bouncer);
    }

    @Override
    public List<String> dnsLookup(String name, RecordType type) throws LookupException {
        return context.dnsLookup(name, type);
    }

    @Override
    public Logger getLogger() {
        return context.getLogger();
    }
}
