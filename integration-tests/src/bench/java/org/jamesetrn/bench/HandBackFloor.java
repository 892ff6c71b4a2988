package org.jamesetrn.bench;

import java.io.ByteArrayInputStream;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.backends.cassandra.components.CassandraModule;
import org.apache.james.backends.cassandra.init.SessionWithInitializedTablesFactory;
import org.apache.james.backends.cassandra.init.configuration.CassandraConfiguration;
import org.apache.james.backends.cassandra.versions.CassandraSchemaVersionModule;
import org.apache.james.blob.api.BlobId;
import org.apache.james.blob.api.BlobStore;
import org.apache.james.blob.api.BucketName;
import org.apache.james.blob.api.HashBlobId;
import org.apache.james.blob.cassandra.CassandraBlobModule;
import org.apache.james.blob.cassandra.CassandraBlobStoreDAO;
import org.apache.james.blob.cassandra.CassandraBucketDAO;
import org.apache.james.blob.cassandra.CassandraDefaultBucketDAO;
import org.apache.james.blob.mail.MimeMessagePartsId;
import org.apache.james.blob.mail.MimeMessageStore;
import org.apache.james.blob.api.Store;
import org.apache.james.core.MailAddress;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepository;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.mailrepository.cassandra.CassandraMailRepositoryFactory;
import org.apache.james.mailrepository.cassandra.CassandraMailRepositoryModule;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.server.blob.deduplication.PassThroughBlobStore;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.Mail;
import org.jamesetrn.kit.CassandraNode;
import org.jamesetrn.kit.Repository;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;

import reactor.core.publisher.Mono;

/**
 * BENCHMARK ONLY: the floor of a cluster hand-back on this machine. A node's mails handed back cost, each, at least
 * the statements a release makes on Cassandra before the copy is in RemoteDelivery's queue: James's
 * {@code CassandraMailRepository.retrieve} of the held entry, our claim (a Paxos round), and the queue's copy of the
 * contents (James's {@code MimeMessageStore.save}: two blobs). Here they run alone, on the project's Cassandra and
 * nothing else (no James, no RabbitMQ, no delivery pipeline beside them), from as many threads as the release's
 * dispatching threads: what the hand-back could take if everything else were free. Not counted, so the floor is
 * lower than the real path: the queue's view row and the publish to RabbitMQ, the release processor's mailets.
 *
 * <p>{@code bench/run-bench.sh --hand-back-floor [--mails 1000] [--threads 32] [--rounds 8]}: each round stores the mails,
 * then times each step alone over them and the three together, as a dispatching thread runs them; the wall time and
 * the machine's CPU per mail (every core's busy time in /proc/stat: Cassandra and this client).</p>
 */
public final class HandBackFloor {
    private static final String KEYSPACE = "etrn_floor";

    @FunctionalInterface
    private interface Step {
        void run(int index) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Path directory = options.repo.resolve("integration-tests/target/hand-back-floor");
        Files.createDirectories(directory);
        String report;
        try (CassandraNode cassandra = CassandraNode.start(Repository.at(options.repo), directory.resolve("cassandra"))) {
            report = run(cassandra.cqlPort(), cassandraPids(directory), options);
        }
        System.out.println(report);
        Files.createDirectories(options.out.getParent());
        Files.writeString(options.out, report);
        System.out.println("written to " + options.out);
    }

    /** Cassandra's JVM under the folder (the script's child): its own CPU apart from this client's. */
    private static List<Long> cassandraPids(Path directory) {
        String folder = directory.resolve("cassandra").toString();
        List<Long> pids = ProcessHandle.allProcesses()
            .filter(process -> process.info().commandLine().map(line -> line.contains("CassandraDaemon") && line.contains(folder))
                .orElse(false))
            .map(ProcessHandle::pid).collect(java.util.stream.Collectors.toList());
        if (pids.isEmpty()) {
            throw new IllegalStateException("no Cassandra process under " + folder);
        }
        return pids;
    }

    private static String run(int port, List<Long> cassandraPids, Options options) throws Exception {
        int mails = options.mails;
        int threads = options.threads;
        try (CqlSession admin = session(port, null)) {
            admin.execute(SimpleStatement.newInstance("CREATE KEYSPACE IF NOT EXISTS " + KEYSPACE
                + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}").setTimeout(Duration.ofMinutes(1)));
        }
        CqlSession session = new SessionWithInitializedTablesFactory(session(port, KEYSPACE), CassandraModule.aggregateModules(
            CassandraSchemaVersionModule.MODULE, CassandraMailRepositoryModule.MODULE, CassandraBlobModule.MODULE)).get();
        BlobId.Factory blobIds = new HashBlobId.Factory();
        // As the cluster server composes it (CassandraHoldModule): pass-through blobs in Cassandra's blob tables.
        BlobStore contents = new PassThroughBlobStore(new CassandraBlobStoreDAO(new CassandraDefaultBucketDAO(session, blobIds),
            new CassandraBucketDAO(blobIds, session), CassandraConfiguration.DEFAULT_CONFIGURATION, BucketName.DEFAULT,
            new RecordingMetricFactory()), BucketName.DEFAULT, blobIds);
        MimeMessageStore.Factory store = new MimeMessageStore.Factory(contents);
        Injector injector = Guice.createInjector(new AbstractModule() {
            @Override
            protected void configure() {
                bind(CqlSession.class).toInstance(session);
                bind(BlobId.Factory.class).toInstance(blobIds);
                bind(CassandraConfiguration.class).toInstance(CassandraConfiguration.DEFAULT_CONFIGURATION);
                bind(MimeMessageStore.Factory.class).toInstance(store);
            }
        });
        MailRepository hold = injector.getInstance(CassandraMailRepositoryFactory.class)
            .create(MailRepositoryUrl.from("cassandra://var/mail/etrn-hold/floor.test/"));
        Store<MimeMessage, MimeMessagePartsId> queueContents = store.mimeMessageStore();
        // The cluster's claims class, from etrn-mailet's jar on the run's classpath (this module does not compile
        // against it: the e2e tests load it from extensions-jars/ as James does).
        Class<?> claimsClass = Class.forName("org.jamesetrn.cluster.CassandraReleaseClaims");
        Object claims = claimsClass.getConstructor(CqlSession.class, Duration.class).newInstance(session, Duration.ofMinutes(10));
        Method claim = claimsClass.getMethod("claim", String.class, String.class);

        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<String> lines = new ArrayList<>();
        lines.add("| round | step | wall (ms) | per mail, wall (ms) | machine CPU per mail (ms) | Cassandra's CPU per mail (ms) |");
        lines.add("|---:|---|---:|---:|---:|---:|");
        CpuTime cassandraCpu = CpuTime.processes(cassandraPids);
        try {
            for (int round = 1; round <= options.rounds; round++) {
                String prefix = "r" + round + "-";
                List<MailKey> keys = new ArrayList<>();
                for (int i = 0; i < mails; i++) {
                    Mail mail = mail(prefix + i);
                    keys.add(hold.store(mail));
                    LifecycleUtil.dispose(mail);
                }
                int r = round;
                lines.add(time(pool, cassandraCpu, mails, r, "read (retrieve)", i -> LifecycleUtil.dispose(hold.retrieve(keys.get(i)))));
                lines.add(time(pool, cassandraCpu, mails, r, "claim (Paxos)", i -> claim.invoke(claims, prefix + "claim-" + i, "token")));
                List<Mail> read = new ArrayList<>();
                for (MailKey key : keys) {
                    read.add(hold.retrieve(key));
                }
                lines.add(time(pool, cassandraCpu, mails, r, "queue's copy of the contents (two blobs)",
                    i -> Mono.from(queueContents.save(read.get(i).getMessage())).block()));
                read.forEach(LifecycleUtil::dispose);
                lines.add(time(pool, cassandraCpu, mails, r, "all three, one mail after the other per thread", i -> {
                    Mail mail = hold.retrieve(keys.get(i));
                    if ((Boolean) claim.invoke(claims, prefix + "dispatch-" + i, "token")) {
                        Mono.from(queueContents.save(mail.getMessage())).block();
                    }
                    LifecycleUtil.dispose(mail);
                }));
                System.out.println("round " + round + " done");
            }
        } finally {
            pool.shutdownNow();
            session.close();
        }
        StringBuilder md = new StringBuilder("# Cluster hand-back: the floor on this machine\n\n")
            .append("- Command: `").append(options.command).append("`\n")
            .append("- Date: ").append(Instant.now()).append("; ").append(Runtime.getRuntime().availableProcessors())
            .append(" cores; load average at the end ").append(Files.readString(Path.of("/proc/loadavg")).trim()).append("\n")
            .append("- ").append(mails).append(" held mails a round (a few hundred bytes, one recipient), ").append(threads)
            .append(" threads (the release's dispatching threads), a fresh one-node Cassandra 5.0 (cassandra/cassandra.sh), ")
            .append("nothing else running: no James, no RabbitMQ, no delivery\n")
            .append("- Each step alone over the round's mails, then the three one after the other per mail, as a dispatching ")
            .append("thread runs them. Machine CPU: every core's busy time (/proc/stat) over the step, per mail: Cassandra ")
            .append("and this client (the DataStax driver and James's DAOs, as in a server)\n\n");
        lines.forEach(line -> md.append(line).append("\n"));
        return md.toString();
    }

    private static String time(ExecutorService pool, CpuTime cassandra, int mails, int round, String step, Step work)
        throws Exception {
        CpuTime machine = CpuTime.machine();
        long cpuBefore = machine.nanos();
        long cassandraBefore = cassandra.nanos();
        long start = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < mails; i++) {
            int index = i;
            futures.add(pool.submit(() -> {
                work.run(index);
                return null;
            }));
        }
        for (Future<?> future : futures) {
            future.get(5, TimeUnit.MINUTES);
        }
        long wallNanos = System.nanoTime() - start;
        long cpuNanos = machine.nanos() - cpuBefore;
        long cassandraNanos = cassandra.nanos() - cassandraBefore;
        return String.format("| %d | %s | %d | %.2f | %.2f | %.2f |", round, step, wallNanos / 1_000_000,
            wallNanos / 1e6 / mails, cpuNanos / 1e6 / mails, cassandraNanos / 1e6 / mails);
    }

    private static Mail mail(String id) throws Exception {
        String content = "Message-ID: <" + id + "@floor>\r\nFrom: sender@sender.test\r\nTo: user@floor.test\r\n"
            + "Subject: floor " + id + "\r\n\r\n" + "A held mail of a few hundred bytes, as the bench's.\r\n".repeat(6);
        MimeMessage message = new MimeMessage(Session.getDefaultInstance(new Properties()),
            new ByteArrayInputStream(content.getBytes(StandardCharsets.US_ASCII)));
        return MailImpl.builder().name(id).sender(new MailAddress("sender@sender.test"))
            .addRecipient(new MailAddress("user@floor.test")).mimeMessage(message).build();
    }

    static final class Options extends BenchOptions {
        int mails = 1000;
        int threads = 32;
        int rounds = 8;

        Options() {
            super("1g", "bench/run-bench.sh --hand-back-floor");
        }

        static Options parse(String[] args) {
            Options options = new Options();
            options.parse(args, (arg, rest) -> {
                switch (arg) {
                    case "--mails":
                        options.mails = Integer.parseInt(rest.remove(0));
                        return true;
                    case "--threads":
                        options.threads = Integer.parseInt(rest.remove(0));
                        return true;
                    case "--rounds":
                        options.rounds = Integer.parseInt(rest.remove(0));
                        return true;
                    default:
                        return false;
                }
            }, "[--mails 1000] [--threads 32] [--rounds 8] [--out FILE]");
            options.finish("bench/results-hand-back-floor.md");
            return options;
        }
    }

    private static CqlSession session(int port, String keyspace) {
        var builder = CqlSession.builder().addContactPoint(new InetSocketAddress("127.0.0.1", port))
            .withLocalDatacenter("datacenter1");
        return keyspace == null ? builder.build() : builder.withKeyspace(keyspace).build();
    }
}
