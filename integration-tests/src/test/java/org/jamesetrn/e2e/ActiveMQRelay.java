package org.jamesetrn.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import org.jamesetrn.kit.Conf;
import org.jamesetrn.kit.EtrnExtension;
import org.jamesetrn.kit.JamesInstance;
import org.jamesetrn.kit.JamesProcess;
import org.jamesetrn.kit.Ports;
import org.jamesetrn.kit.ProbeRoutes;
import org.jamesetrn.kit.Repository;
import org.jamesetrn.kit.SmtpClient;
import org.jamesetrn.kit.WebAdmin;

/**
 * The persistent relay under test: the assembled server's ActiveMQ flavour ({@code ./james.sh --queue activemq},
 * {@link JamesProcess#ACTIVEMQ_SERVER}) as a separate process, so that a test can stop it, kill it (SIGKILL) and start
 * it again on the same instance folder, whose {@code var/store/activemq} keeps the queue. conf/ as the other
 * end-to-end tests set it ({@link EtrnRelay#handlerOptions}), the smarthost gateway (customer.test) pointed at the
 * test's MX, the extension in extensions-jars/, and the kit's queue probe ({@link ProbeRoutes}), through which a test
 * fills a queue with thousands of deferred mails in seconds and reads what waits. DNS is the machine's: every mail
 * of these tests goes to customer.test, through the gateway.
 */
final class ActiveMQRelay implements AutoCloseable {
    /** The wait for the count before the ETRN reply: selecting among 10,000 queued mails on a loaded machine. */
    static final String REPLY_TIMEOUT = "20s";

    private final JamesProcess james;
    private final ProbeRoutes queues;

    private ActiveMQRelay(JamesProcess james, ProbeRoutes queues) {
        this.james = james;
        this.queues = queues;
    }

    /** A fresh instance folder, conf/ edited by {@code edits} as well, and the server started on it. */
    static ActiveMQRelay start(int mxPort, Consumer<Conf> edits) throws Exception {
        Repository repository = Repository.underTest();
        JamesInstance instance = JamesInstance.create(Files.createTempDirectory("james-etrn-activemq"), repository.conf())
            .listenOn(Ports.free(), Ports.free())
            .gatewayPort(mxPort);
        instance.conf().setElements("smtpserver.xml", "authorizedAddresses", "127.0.0.1/32");
        EtrnExtension extension = repository.extension();
        extension.setHandlerOptions(instance.conf(), EtrnRelay.handlerOptions(REPLY_TIMEOUT));
        edits.accept(instance.conf());
        extension.installInto(instance);
        ProbeRoutes.installInto(instance, ProbeRoutes.jar(repository));
        ProbeRoutes queues = new ProbeRoutes(new WebAdmin(instance.webAdminPort(), Duration.ofMinutes(2)));
        try {
            JamesProcess james = JamesProcess.on(instance, repository.serverLib())
                .mainClass(JamesProcess.ACTIVEMQ_SERVER)
                .readyWhen(() -> queues.answers(EtrnRelay.SMARTHOST_QUEUE))
                .start();
            return new ActiveMQRelay(james, queues);
        } catch (Exception | Error e) {
            instance.delete();
            throw e;
        }
    }

    /** The queue probe of this server: fill, size, what waits. */
    ProbeRoutes queues() {
        return queues;
    }

    int smtpPort() {
        return james.smtpPort();
    }

    SmtpClient.Reply etrn(String node) {
        return EtrnRelay.etrn(smtpPort(), node);
    }

    /** The mails ETRN would release for the node now (WebAdmin {@code GET /etrn/{node}}: its hold and its queues). */
    long deferred(String node) throws Exception {
        return EtrnRelay.deferred(new WebAdmin(james.webAdminPort(), Duration.ofSeconds(30)), node);
    }

    /** What waits in the smarthost queue (customer.test's route). */
    List<ProbeRoutes.Waiting> waiting() throws Exception {
        return queues.waiting(EtrnRelay.SMARTHOST_QUEUE);
    }

    /** SIGTERM: James shuts down cleanly. */
    void stop() throws InterruptedException {
        james.stop();
    }

    /** SIGKILL: nothing of James runs after this, as in a crash or a power cut of the process. */
    void kill() throws InterruptedException {
        james.kill();
    }

    /** Starts it again on the same instance folder and ports (after {@link #stop} or {@link #kill}). */
    void restart() throws IOException, InterruptedException {
        james.start();
    }

    /** Where James's log ends now; what it logs later is read with {@link #logSince}. */
    long logLength() throws IOException {
        return james.logLength();
    }

    String logSince(long offset) throws IOException {
        return james.logSince(offset);
    }

    @Override
    public void close() throws Exception {
        james.stop();
        james.instance().delete();
    }
}
