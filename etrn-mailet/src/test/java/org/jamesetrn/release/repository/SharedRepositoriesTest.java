package org.jamesetrn.release.repository;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;

import javax.mail.internet.MimeMessage;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.james.core.builder.MimeMessageBuilder;
import org.apache.james.mailrepository.api.MailRepository;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.mailrepository.api.Protocol;
import org.apache.james.mailrepository.memory.MailRepositoryStoreConfiguration;
import org.apache.james.mailrepository.memory.MemoryMailRepository;
import org.apache.james.mailrepository.memory.MemoryMailRepositoryStore;
import org.apache.james.mailrepository.memory.MemoryMailRepositoryUrlStore;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.base.test.FakeMailContext;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.DeferredMailSource;
import org.jamesetrn.release.ProbeOutcome;
import org.jamesetrn.release.ProbeOutcomes;
import org.jamesetrn.release.ReleaseConfiguration;
import org.jamesetrn.release.SourceFigures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.common.collect.ImmutableList;

/**
 * James's distributed pattern on the memory server: every node's temporary failures in one shared repository (as
 * James's ToRepository leaves them), the node's mail selected there by recipient and sent to the configured processor.
 */
class SharedRepositoriesTest {
    private static final MailRepositoryUrl TEMPORARY = MailRepositoryUrl.from("memory://var/mail/error/remote-delivery/temporary/");

    private final FakeMailContext context = FakeMailContext.defaultContext();
    private MemoryMailRepositoryStore store;
    private SharedRepositories shared;
    private MailRepository repository;

    @BeforeEach
    void setUp() throws Exception {
        store = new MemoryMailRepositoryStore(new MemoryMailRepositoryUrlStore(), (className, url) -> new MemoryMailRepository(),
            MailRepositoryStoreConfiguration.forItems(new MailRepositoryStoreConfiguration.Item(
                ImmutableList.of(new Protocol("memory")), MemoryMailRepository.class.getName(), new BaseHierarchicalConfiguration())));
        store.init();
        repository = store.select(TEMPORARY);
        shared = new SharedRepositories(store, context, ReleaseConfiguration.builder()
            .repositories(ImmutableList.of(TEMPORARY))
            .repositoriesProcessor("relay")
            .build());
    }

    private void park(String name, String recipient) throws Exception {
        MimeMessage message = MimeMessageBuilder.mimeMessageBuilder().setSubject(name).setText("parked").build();
        repository.store(MailImpl.builder().name(name).sender("sender@sender.test").addRecipient(recipient)
            .mimeMessage(message).state("remote-delivery-error").build());
    }

    private DeferredMailSource source(Node node) throws Exception {
        return shared.sourcesFor(node).get(0);
    }

    @Test
    void aNodesMailIsSelectedByRecipientSentToTheProcessorAndRemoved() throws Exception {
        park("one", "a@customer.test");
        park("two", "b@sub.customer.test");
        park("three", "c@other.test");

        DeferredMailSource.Selection selection = source(Node.domain("customer.test")).select(Node.domain("customer.test"));
        assertThat(selection.count()).isEqualTo(1);
        assertThat(selection.dispatch()).isEqualTo(1);

        assertThat(context.getSentMails()).singleElement().satisfies(sent -> {
            assertThat(sent.getState()).isEqualTo("relay");
            assertThat(sent.getRecipients()).extracting(Object::toString).containsExactly("a@customer.test");
        });
        assertThat(ImmutableList.copyOf(repository.list())).extracting(key -> key.asString()).containsExactlyInAnyOrder("two", "three");
        assertThat(source(Node.domainAndSubdomains("customer.test")).select(Node.domainAndSubdomains("customer.test")).count())
            .isEqualTo(1);
    }

    @Test
    void aProbeParkedAgainIsSeenAsATemporaryFailure() throws Exception {
        park("one", "a@customer.test");
        ProbeOutcomes.Probe probe = new ProbeOutcomes().expect();

        Optional<DeferredMailSource.ProbeWatch> watch = source(Node.domain("customer.test"))
            .select(Node.domain("customer.test")).dispatchProbe(probe);

        assertThat(watch).isPresent();
        assertThat(watch.get().look()).isEmpty();
        // ToRepository parks the failed probe again, under its name, tag included.
        repository.store(MailImpl.builder().name("one").sender("sender@sender.test").addRecipient("a@customer.test")
            .mimeMessage(MimeMessageBuilder.mimeMessageBuilder().setText("again").build())
            .addAttribute(ProbeOutcomes.tag(probe.id())).build());
        assertThat(watch.get().look()).contains(ProbeOutcome.TEMPORARY_FAILURE);
    }

    @Test
    void figuresCountTheNodesMailOnly() throws Exception {
        park("one", "a@customer.test");
        park("two", "c@other.test");

        SourceFigures figures = source(Node.domain("customer.test")).figures(Node.domain("customer.test"));

        assertThat(figures.kind()).isEqualTo(SourceFigures.Kind.REPOSITORY);
        assertThat(figures.mails()).isEqualTo(1);
        assertThat(figures.bytes()).isPositive();
    }

    @Test
    void noQueueNodeIsServedHere() throws Exception {
        assertThat(shared.serves(Node.queue("outgoing"))).isFalse();
        assertThat(shared.sourcesFor(Node.queue("outgoing"))).isEmpty();
        assertThat(List.of(shared.serves(Node.domain("customer.test")))).containsExactly(true);
    }
}
