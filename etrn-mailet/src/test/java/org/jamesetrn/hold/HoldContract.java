package org.jamesetrn.hold;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.mail.internet.MimeMessage;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.james.core.MailAddress;
import org.apache.james.core.builder.MimeMessageBuilder;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepository;
import org.apache.james.mailrepository.api.MailRepositoryPath;
import org.apache.james.mailrepository.api.MailRepositoryStore;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.mailrepository.api.Protocol;
import org.apache.james.mailrepository.file.FileMailRepository;
import org.apache.james.mailrepository.memory.MailRepositoryStoreConfiguration;
import org.apache.james.mailrepository.memory.MemoryMailRepository;
import org.apache.james.mailrepository.memory.MemoryMailRepositoryStore;
import org.apache.james.mailrepository.memory.MemoryMailRepositoryUrlStore;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.server.core.MailImpl;
import org.apache.james.server.core.configuration.Configuration;
import org.apache.james.server.core.filesystem.FileSystemImpl;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.DeferredMailSource;
import org.jamesetrn.release.ProbeOutcomes;
import org.jamesetrn.release.RecordingRelease;
import org.jamesetrn.release.Release;
import org.jamesetrn.release.ReleaseConfiguration;
import org.jamesetrn.release.ReleaseEngine;
import org.jamesetrn.release.ReleaseException;
import org.jamesetrn.testing.MovingClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;

/**
 * What the hold guarantees, on each James repository it is tested on (a subclass gives the root): one entry per
 * recipient domain, releases under claims, a failed attempt back with its expiry clock, exactly one copy delivered,
 * retention. James's own MemoryMailRepositoryStore opens the repositories, as in the server.
 */
abstract class HoldContract {
    static final String RELEASE_PROCESSOR = "etrn-release";
    static final Duration WARN_AFTER = Duration.ofHours(4);
    static final Duration EXPIRE_AFTER = Duration.ofDays(5);

    @TempDir
    File workingDirectory;

    final MovingClock clock = new MovingClock();
    final MemoryReleaseClaims claims = new MemoryReleaseClaims(Duration.ofMinutes(30), clock);
    final ProbeOutcomes probes = new ProbeOutcomes();
    final FakeMailContext context = FakeMailContext.defaultContext();
    FileSystem fileSystem;
    MailRepositoryStore store;
    Holds holds;
    HoldForEtrn mailet;
    Hold hold;

    abstract String root();

    @BeforeEach
    void setUp() throws Exception {
        fileSystem = new FileSystemImpl(Configuration.builder().workingDirectory(workingDirectory).configurationFromClasspath()
            .build().directories());
        store = newStore();
        holds = new Holds(store, fileSystem, context, claims, RecordingRelease::new);
        mailet = new HoldForEtrn(holds, probes, clock);
        mailet.init(FakeMailetConfig.builder()
            .mailetName("HoldForEtrn")
            .mailetContext(context)
            .setProperty(HoldSettings.ROOT, root())
            .setProperty(HoldSettings.RELEASE_PROCESSOR, RELEASE_PROCESSOR)
            .setProperty(HoldSettings.EXPIRE_AFTER, "5 days")
            .setProperty(HoldSettings.EXPIRED_PROCESSOR, "etrn-expired")
            .setProperty(HoldSettings.WARN_AFTER, "4 hours")
            .setProperty(HoldSettings.WARN_PROCESSOR, "etrn-delayed")
            .build());
        hold = holds.find(HoldSettings.from(FakeMailetConfig.builder()
            .setProperty(HoldSettings.ROOT, root())
            .setProperty(HoldSettings.RELEASE_PROCESSOR, RELEASE_PROCESSOR).build()).root().asString()).orElseThrow();
    }

    @AfterEach
    void tearDown() {
        holds.close();
    }

    MailRepositoryStore newStore() throws Exception {
        MemoryMailRepositoryStore repositories = new MemoryMailRepositoryStore(new MemoryMailRepositoryUrlStore(),
            (className, url) -> {
                if (className.equals(FileMailRepository.class.getName())) {
                    FileMailRepository repository = new FileMailRepository();
                    repository.setFileSystem(fileSystem);
                    return repository;
                }
                return new MemoryMailRepository();
            },
            MailRepositoryStoreConfiguration.forItems(
                new MailRepositoryStoreConfiguration.Item(ImmutableList.of(new Protocol("memory")),
                    MemoryMailRepository.class.getName(), new BaseHierarchicalConfiguration()),
                new MailRepositoryStoreConfiguration.Item(ImmutableList.of(new Protocol("file")),
                    FileMailRepository.class.getName(), new BaseHierarchicalConfiguration())));
        repositories.init();
        return repositories;
    }

    static Mail mail(String name, String... recipients) throws Exception {
        MimeMessage message = MimeMessageBuilder.mimeMessageBuilder()
            .setSubject("held for ETRN")
            .setText("for a site that is offline most of the time")
            .build();
        MailImpl.Builder builder = MailImpl.builder().name(name).sender("sender@sender.test").mimeMessage(message);
        for (String recipient : recipients) {
            builder.addRecipient(recipient);
        }
        return builder.build();
    }

    List<Mail> held(String domain) throws Exception {
        MailRepository repository = hold.repository(domain);
        ImmutableList.Builder<Mail> mails = ImmutableList.builder();
        for (MailKey key : ImmutableList.copyOf(repository.list())) {
            mails.add(repository.retrieve(key));
        }
        return mails.build();
    }

    /** A copy as the release processor receives it, rebuilt from what the fake mailet context recorded. */
    static Mail copyOf(FakeMailContext.SentMail sent) throws Exception {
        MailImpl.Builder builder = MailImpl.builder()
            .name(HeldMail.KEY.asString())
            .sender(sent.getSender())
            .addRecipients(ImmutableList.copyOf(sent.getRecipients()))
            .mimeMessage(sent.getMsg())
            .state(sent.getState());
        sent.getAttributes().values().forEach(builder::addAttribute);
        Mail copy = builder.build();
        HeldMail.string(copy, HeldMail.KEY).ifPresent(copy::setName);
        return copy;
    }

    /** The stored mail as James's reprocess sends it: read from the repository, enqueued with its name and state. */
    static Mail reprocessed(Mail stored) throws Exception {
        Mail copy = stored.duplicate();
        copy.setName(stored.getName());
        copy.setState(stored.getState());
        return copy;
    }

    long dispatch(String domain) throws Exception {
        List<DeferredMailSource> sources = holds.sourcesFor(Node.domain(domain));
        long dispatched = 0;
        for (DeferredMailSource source : sources) {
            dispatched += source.select(Node.domain(domain)).dispatch();
        }
        return dispatched;
    }

    @Test
    void eachRecipientIsHeldOnceInItsDomainsRepositoryAndAnAddressLiteralStaysOnTheMail() throws Exception {
        Mail mail = mail("several", "a@held.test", "b@HELD.test", "c@other.test", "d@[127.0.0.1]");

        mailet.service(mail);

        assertThat(mail.getState()).as("the address literal's recipient goes on").isNotEqualTo(Mail.GHOST);
        assertThat(mail.getRecipients()).extracting(MailAddress::getLocalPart).containsExactly("d");
        assertThat(held("held.test")).singleElement().satisfies(entry -> {
            assertThat(entry.getName()).isEqualTo("several-to-held.test");
            assertThat(entry.getRecipients()).extracting(MailAddress::asString).containsExactlyInAnyOrder("a@held.test", "b@held.test");
            assertThat(entry.getState()).isEqualTo(RELEASE_PROCESSOR);
            assertThat(HeldMail.since(entry)).contains(clock.instant());
        });
        assertThat(held("other.test")).singleElement()
            .satisfies(entry -> assertThat(entry.getRecipients()).extracting(MailAddress::asString).containsExactly("c@other.test"));
        assertThat(hold.domains()).containsExactlyInAnyOrder("held.test", "other.test");
    }

    @Test
    void aMailForOneDomainKeepsItsNameAndHoldingItTwiceKeepsOneEntry() throws Exception {
        mailet.service(mail("once", "a@held.test"));
        mailet.service(mail("once", "a@held.test")); // the spool retrying after a failure part-way

        assertThat(held("held.test")).extracting(Mail::getName).containsExactly("once");
    }

    @Test
    void aDomainBecomesARepositoryPathOnlyAsALowerCaseHostName() {
        assertThat(Hold.nodeDomain("HELD.Test")).contains("held.test");
        assertThat(Hold.nodeDomain("held.test.")).contains("held.test");
        assertThat(Hold.nodeDomain("..")).isEmpty();
        assertThat(Hold.nodeDomain("a/../../etc")).isEmpty();
        assertThat(Hold.nodeDomain("a%2f..%2fb")).isEmpty();
        assertThat(Hold.nodeDomain("[127.0.0.1]")).isEmpty();
        assertThat(Hold.nodeDomain("#queue")).isEmpty();
        assertThat(Hold.nodeDomain("@held.test")).isEmpty();
    }

    @Test
    void aReleaseSendsEachHeldMailOnceUnderItsClaimAndLeavesTheEntryUntilTheAttemptEnds() throws Exception {
        mailet.service(mail("one", "a@held.test"));
        mailet.service(mail("two", "b@held.test"));

        assertThat(dispatch("held.test")).isEqualTo(2);
        assertThat(dispatch("held.test")).as("their attempts are under way").isZero();

        assertThat(context.getSentMails()).hasSize(2).allSatisfy(sent -> {
            assertThat(sent.getState()).isEqualTo(RELEASE_PROCESSOR);
            assertThat(sent.getAttributes()).containsKeys(HeldMail.CLAIM, HeldMail.HELD, HeldMail.KEY);
        });
        assertThat(held("held.test")).hasSize(2);
    }

    @Test
    void anEntryStoresOneShortAttributeOfTheHoldAndNothingOfWhereItIs() throws Exception {
        mailet.service(mail("one", "a@held.test"));

        assertThat(held("held.test")).singleElement().satisfies(entry -> {
            assertThat(entry.attributeNames().map(AttributeName::asString).filter(name -> name.startsWith("etrn.")))
                .containsExactly(HeldMail.HELD.asString());
            assertThat(HeldMail.string(entry, HeldMail.HELD).orElseThrow()).hasSizeLessThanOrEqualTo(40);
        });
    }

    @Test
    void anEntryWrittenByTheFirstBuildsIsReleasedWithItsClockAndIdentity() throws Exception {
        Instant since = clock.instant().minus(Duration.ofHours(1));
        Mail old = mail("old", "a@held.test");
        old.setAttribute(new Attribute(AttributeName.of("etrn.hold.since"), AttributeValue.of(since.toEpochMilli())));
        old.setAttribute(new Attribute(AttributeName.of("etrn.hold.generation"), AttributeValue.of("first-build")));
        old.setState(RELEASE_PROCESSOR);
        hold.repository("held.test").store(old);

        assertThat(dispatch("held.test")).isEqualTo(1);

        Mail copy = copyOf(context.getSentMails().get(0));
        assertThat(HeldMail.generation(copy)).contains("first-build");
        assertThat(HeldMail.since(copy)).contains(since);
        assertThat(HeldMail.entry(copy)).hasValueSatisfying(entry -> assertThat(entry.key).isEqualTo("old"));
    }

    @Test
    void aCopyBackAfterAFailedAttemptIsHeldAgainWithItsClockAndCanBeReleasedAgain() throws Exception {
        mailet.service(mail("one", "a@held.test"));
        String generation = HeldMail.generation(held("held.test").get(0)).orElseThrow();
        Instant since = clock.instant();
        dispatch("held.test");
        clock.forward(Duration.ofHours(1));

        mailet.service(copyOf(context.getSentMails().get(0)));

        assertThat(held("held.test")).singleElement().satisfies(entry -> {
            assertThat(entry.getName()).as("a new key").startsWith("one~");
            assertThat(HeldMail.generation(entry)).contains(generation);
            assertThat(HeldMail.since(entry)).contains(since);
            assertThat(entry.getAttribute(HeldMail.CLAIM)).isEmpty();
        });
        assertThat(dispatch("held.test")).as("its claim was freed").isEqualTo(1);
    }

    @Test
    void aDeliveredCopyTakesItsMailOutOfTheHoldAndLosesTheHoldsAttributes() throws Exception {
        mailet.service(mail("one", "a@held.test"));
        dispatch("held.test");
        Mail delivered = copyOf(context.getSentMails().get(0));

        ReleaseOutcome outcome = new ReleaseOutcome(holds, probes);
        outcome.init(FakeMailetConfig.builder().mailetName("ReleaseOutcome").setProperty("outcome", "delivered").build());
        outcome.service(delivered);

        assertThat(held("held.test")).isEmpty();
        assertThat(claims.isEnded(HeldMail.generation(copyOf(context.getSentMails().get(0))).orElseThrow())).isTrue();
        assertThat(delivered.attributeNames().map(name -> name.asString()).collect(Collectors.toList()))
            .noneMatch(name -> name.startsWith("etrn."));
        assertThat(probes.reportingWired()).isTrue();
    }

    @Test
    void releaseOnceLetsOneCopyThroughAndKeepsTheOtherWaitingUntilTheMailLeftTheHold() throws Exception {
        mailet.service(mail("one", "a@held.test"));
        Mail stored = held("held.test").get(0);
        ReleaseOnce once = new ReleaseOnce(holds);
        once.init(FakeMailetConfig.builder().mailetName("ReleaseOnce").mailetContext(context).build());

        // James's reprocess sends the stored mail to its state: the hold's release processor.
        Mail reprocessed = reprocessed(stored);
        once.service(reprocessed);
        assertThat(reprocessed.getState()).isEqualTo(RELEASE_PROCESSOR);
        assertThat(reprocessed.getAttribute(HeldMail.CLAIM)).isPresent();
        assertThat(HeldMail.entry(reprocessed)).as("where it was held, found from its name and recipients")
            .hasValueSatisfying(entry -> {
                assertThat(entry.root).isEqualTo(hold.root());
                assertThat(entry.domain).isEqualTo("held.test");
                assertThat(entry.key).isEqualTo("one");
            });

        Mail second = reprocessed(stored);
        once.service(second);
        assertThat(second.getState()).as("not dropped: it may be all that is left of the mail").isEqualTo(Mail.GHOST);
        assertThat(context.getSentMails()).singleElement().satisfies(waiting -> {
            assertThat(waiting.getState()).isEqualTo(RELEASE_PROCESSOR);
            assertThat(waiting.getDelay()).isPresent();
        });

        claims.end(HeldMail.generation(stored).orElseThrow());
        Mail late = reprocessed(stored);
        once.service(late);
        assertThat(late.getState()).isEqualTo(Mail.GHOST);
        assertThat(context.getSentMails()).as("dropped, not sent again").hasSize(1);
    }

    @Test
    void retentionWarnsOnceThenExpiresTheMailWithoutTheHoldsAttributes() throws Exception {
        mailet.service(mail("one", "a@held.test"));
        HoldRetention retention = new HoldRetention(hold, RecordingRelease::new, clock);

        clock.forward(WARN_AFTER);
        retention.run();
        retention.run();
        assertThat(context.getSentMails()).singleElement().satisfies(warning -> {
            assertThat(warning.getState()).isEqualTo("etrn-delayed");
            assertThat(warning.getAttributes()).doesNotContainKeys(HeldMail.HELD, HeldMail.KEY);
        });
        assertThat(held("held.test")).singleElement().satisfies(entry -> assertThat(HeldMail.warned(entry)).isTrue());

        clock.forward(EXPIRE_AFTER.minus(WARN_AFTER));
        retention.run();
        assertThat(context.getSentMails()).hasSize(2);
        FakeMailContext.SentMail expired = context.getSentMails().get(1);
        assertThat(expired.getState()).isEqualTo("etrn-expired");
        assertThat(expired.getAttributes()).doesNotContainKeys(HeldMail.HELD, HeldMail.KEY)
            .containsKey(HoldRetention.DELIVERY_ERROR);
        assertThat(held("held.test")).isEmpty();
        assertThat(dispatch("held.test")).isZero();
    }

    @Test
    void aFailedAttemptDoesNotMoveTheExpiryClock() throws Exception {
        mailet.service(mail("one", "a@held.test"));
        HoldRetention retention = new HoldRetention(hold, RecordingRelease::new, clock);
        clock.forward(EXPIRE_AFTER.minusHours(1));
        dispatch("held.test");
        mailet.service(copyOf(context.getSentMails().get(0))); // failed for now, back in the hold

        clock.forward(Duration.ofHours(1));
        retention.run();

        assertThat(held("held.test")).isEmpty();
        assertThat(context.getSentMails()).extracting(FakeMailContext.SentMail::getState).contains("etrn-expired");
    }

    /**
     * Two servers on one repository store (a cluster's Cassandra): the second was started before the first ever held
     * mail for the domain, and still finds it, to release it and to retry it.
     */
    @Test
    void aDomainFirstHeldThroughAnotherServerIsFoundByThisOne() throws Exception {
        Holds otherServer = new Holds(store, fileSystem, context, claims, RecordingRelease::new);
        try {
            HoldForEtrn otherMailet = new HoldForEtrn(otherServer, probes, clock);
            otherMailet.init(FakeMailetConfig.builder().mailetName("HoldForEtrn").mailetContext(context)
                .setProperty(HoldSettings.ROOT, root()).setProperty(HoldSettings.RELEASE_PROCESSOR, RELEASE_PROCESSOR).build());
            assertThat(otherServer.sourcesFor(Node.domain("late.test"))).isEmpty();

            mailet.service(mail("one", "a@late.test"));

            List<DeferredMailSource> sources = otherServer.sourcesFor(Node.domain("late.test"));
            assertThat(sources).hasSize(1);
            assertThat(sources.get(0).select(Node.domain("late.test")).count()).isEqualTo(1);
            assertThat(otherServer.sourcesFor(Node.domainAndSubdomains("test"))).hasSize(1);
        } finally {
            otherServer.close();
        }
    }

    /** The hold of a server whose repositories cannot be opened now (a cluster's Cassandra unreachable). */
    HoldForEtrn unwritableHold(Holds[] created) throws Exception {
        MailRepositoryStore unwritable = (MailRepositoryStore) Proxy.newProxyInstance(
            getClass().getClassLoader(), new Class<?>[] {MailRepositoryStore.class}, (proxy, method, args) -> {
                if (method.getName().equals("select")) {
                    throw new MailRepositoryStore.MailRepositoryStoreException("Cassandra unreachable");
                }
                return method.invoke(store, args);
            });
        created[0] = new Holds(unwritable, fileSystem, context, claims, RecordingRelease::new);
        HoldForEtrn downMailet = new HoldForEtrn(created[0], probes, clock);
        downMailet.init(FakeMailetConfig.builder().mailetName("HoldForEtrn").mailetContext(context)
            .setProperty(HoldSettings.ROOT, root()).setProperty(HoldSettings.RELEASE_PROCESSOR, RELEASE_PROCESSOR).build());
        return downMailet;
    }

    @Test
    void aCopyBackAfterAFailedAttemptThatCannotBeWrittenNowWaitsInTheSpoolWithItsClaim() throws Exception {
        mailet.service(mail("one", "a@held.test"));
        dispatch("held.test");
        Mail copy = copyOf(context.getSentMails().get(0));
        copy.setState("etrn-hold");
        String claim = HeldMail.string(copy, HeldMail.CLAIM).orElseThrow();
        context.resetSentMails();
        Holds[] down = new Holds[1];
        try {
            unwritableHold(down).service(copy);

            assertThat(context.getSentMails()).singleElement().satisfies(sent -> {
                assertThat(sent.getState()).isEqualTo("etrn-hold");
                assertThat(sent.getAttributes().get(HeldMail.CLAIM).getValue().value()).isEqualTo(claim);
                assertThat(sent.getAttributes()).containsKeys(HeldMail.HELD, HeldMail.KEY);
            });
            assertThat(held("held.test")).as("the entry stays as it was").hasSize(1);
            assertThat(claims.isHeldBy(HeldMail.generation(copy).orElseThrow(), claim)).isTrue();
        } finally {
            down[0].close();
        }
    }

    @Test
    void aMailTheHoldCannotWriteNowWaitsInTheSpoolAndComesBack() throws Exception {
        Holds[] down = new Holds[1];
        try {
            HoldForEtrn downMailet = unwritableHold(down);
            Mail mail = mail("one", "a@held.test");
            mail.setState("etrn-hold");

            downMailet.service(mail);

            assertThat(mail.getState()).isEqualTo(Mail.GHOST);
            assertThat(context.getSentMails()).singleElement().satisfies(sent -> {
                assertThat(sent.getState()).as("back to the hold, not to the release processor").isEqualTo("etrn-hold");
                assertThat(sent.getRecipients()).extracting(MailAddress::asString).containsExactly("a@held.test");
                assertThat(sent.getAttributes()).as("a new mail again").doesNotContainKeys(HeldMail.HELD,
                    HeldMail.ROOT, HeldMail.KEY);
                assertThat(sent.getDelay()).contains(new FakeMailContext.Delay(HoldForEtrn.RETRY_SECONDS, TimeUnit.SECONDS));
            });
        } finally {
            down[0].close();
        }
    }

    @Test
    void releaseOnceKeepsACopyWaitingWhileTheClaimsCannotBeRead() throws Exception {
        ReleaseClaims unreadable = (ReleaseClaims) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {ReleaseClaims.class}, (proxy, method, args) -> {
                throw new IllegalStateException("Cassandra unreachable");
            });
        mailet.service(mail("one", "a@held.test"));
        dispatch("held.test");
        Mail copy = copyOf(context.getSentMails().get(0));
        context.resetSentMails();
        try (Holds cut = new Holds(store, fileSystem, context, unreadable, RecordingRelease::new)) {
            ReleaseOnce once = new ReleaseOnce(cut);
            once.init(FakeMailetConfig.builder().mailetName("ReleaseOnce").mailetContext(context).build());

            once.service(copy);
        }

        assertThat(copy.getState()).isEqualTo(Mail.GHOST);
        assertThat(context.getSentMails()).singleElement().satisfies(waiting -> {
            assertThat(waiting.getState()).isEqualTo(RELEASE_PROCESSOR);
            assertThat(waiting.getAttributes()).containsKeys(HeldMail.HELD, HeldMail.CLAIM);
            assertThat(waiting.getDelay()).contains(new FakeMailContext.Delay(ReleaseOnce.WAIT_SECONDS, TimeUnit.SECONDS));
        });
    }

    @Test
    void anUnreadableHoldFailsTheReleaseAndKeepsTheMail() throws Exception {
        mailet.service(mail("kept", "a@held.test"));
        MailRepositoryStore broken = new MailRepositoryStore() {
            @Override
            public MailRepository select(MailRepositoryUrl url) throws MailRepositoryStoreException {
                throw new MailRepositoryStoreException("disk gone");
            }

            @Override
            public Optional<Protocol> defaultProtocol() {
                return Optional.empty();
            }

            @Override
            public Optional<MailRepository> get(MailRepositoryUrl url) {
                return Optional.empty();
            }

            @Override
            public Stream<MailRepository> getByPath(MailRepositoryPath path) {
                return Stream.empty();
            }

            @Override
            public Stream<MailRepositoryUrl> getUrls() {
                return store.getUrls();
            }
        };
        Holds unreadable = new Holds(broken, fileSystem, context, claims, RecordingRelease::new);
        try {
            HoldForEtrn declaring = new HoldForEtrn(unreadable, probes, clock);
            declaring.init(FakeMailetConfig.builder().mailetName("HoldForEtrn").mailetContext(context)
                .setProperty(HoldSettings.ROOT, root()).setProperty(HoldSettings.RELEASE_PROCESSOR, RELEASE_PROCESSOR).build());
            ReleaseConfiguration configuration = ReleaseConfiguration.defaults();
            ReleaseEngine engine = new ReleaseEngine(ImmutableSet.of(unreadable), probes, new RecordingMetricFactory(), configuration);
            try {
                Release release = engine.release(Node.domain("held.test"));

                assertThatThrownBy(() -> release.counted().get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ReleaseException.class); // the ETRN reply: 458
            } finally {
                engine.close();
            }
        } finally {
            unreadable.close();
        }
        assertThat(held("held.test")).extracting(Mail::getName).containsExactly("kept");
        assertThat(context.getSentMails()).isEmpty();
    }
}
