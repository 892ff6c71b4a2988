package org.jamesetrn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

import org.apache.james.queue.api.ManageableMailQueue.DefaultMailQueueItemView;
import org.apache.james.queue.api.ManageableMailQueue.MailQueueItemView;
import org.apache.james.queue.api.ManageableMailQueue.MailQueueIterator;
import org.apache.james.server.core.MailImpl;
import org.junit.jupiter.api.Test;

class BrowsedMailsTest {
    /**
     * A browse as James 3.8.1's JMS queue iterates it: {@code hasNext()} says whether the broker has one more message,
     * {@code next()} skips the messages whose mail cannot be built any more (null here: its blob file is gone) and
     * throws {@code NoSuchElementException} when none is left after them.
     */
    private static final class JamesBrowse implements MailQueueIterator {
        private final Iterator<MailQueueItemView> messages;
        boolean closed;

        JamesBrowse(List<MailQueueItemView> messages) {
            this.messages = messages.iterator();
        }

        @Override
        public boolean hasNext() {
            return messages.hasNext();
        }

        @Override
        public MailQueueItemView next() {
            while (hasNext()) {
                MailQueueItemView item = messages.next();
                if (item != null) {
                    return item;
                }
            }
            throw new NoSuchElementException();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static MailQueueItemView mail(String name) throws Exception {
        return new DefaultMailQueueItemView(MailImpl.builder().name(name).build(), Optional.empty());
    }

    private static List<String> names(MailQueueIterator iterator) {
        List<String> names = new ArrayList<>();
        while (iterator.hasNext()) {
            names.add(iterator.next().getMail().getName());
        }
        return names;
    }

    @Test
    void aLastMailThatLeftTheQueueMeanwhileEndsTheListingInsteadOfFailingIt() throws Exception {
        List<MailQueueItemView> messages = new ArrayList<>(List.of(mail("a"), mail("b")));
        messages.add(null);

        assertThatThrownBy(() -> names(new JamesBrowse(messages))).as("James's own iteration")
            .isInstanceOf(NoSuchElementException.class);
        assertThat(names(new BrowsedMails(new JamesBrowse(messages)))).containsExactly("a", "b");
    }

    @Test
    void mailsThatLeftAnywhereAreLeftOutAndTheOthersKeepTheirOrder() throws Exception {
        List<MailQueueItemView> messages = new ArrayList<>();
        messages.add(null);
        messages.add(mail("a"));
        messages.add(null);
        messages.add(null);
        messages.add(mail("b"));
        messages.add(null);

        assertThat(names(new BrowsedMails(new JamesBrowse(messages)))).containsExactly("a", "b");
    }

    @Test
    void aBrowseWhoseEveryMailLeftIsEmptyAndClosesJamesBrowse() {
        List<MailQueueItemView> messages = new ArrayList<>();
        messages.add(null);
        JamesBrowse james = new JamesBrowse(messages);
        BrowsedMails browsed = new BrowsedMails(james);

        assertThat(browsed.hasNext()).isFalse();
        assertThatThrownBy(browsed::next).isInstanceOf(NoSuchElementException.class);
        browsed.close();
        assertThat(james.closed).isTrue();
    }
}
