package org.jamesetrn.kit;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A one-node RabbitMQ 3.10 (Debian's rabbitmq-server) on loopback, started by the repository's
 * {@code rabbitmq/rabbitmq.sh} (the script the README gives an admin) as a separate process: free AMQP, management,
 * distribution and port-mapper ports, a fresh folder, its output in {@code rabbitmq.log} there. Ready when the AMQP
 * and management ports listen. It can be stopped (SIGTERM: the broker shuts down cleanly, then its epmd) and started
 * again on the same folder and ports, its queues and persistent messages kept ({@link ScriptNode}). JDK only.
 */
public final class RabbitMQNode extends ScriptNode {
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);
    private static final Pattern MESSAGES = Pattern.compile("\"messages\":(\\d+)");

    private final int port;
    private final int managementPort;
    /** HTTP/1.1: RabbitMQ's web server closes a plain connection that asks to upgrade to HTTP/2. */
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();

    private RabbitMQNode(Repository repository, Path directory, int port, int managementPort, int distPort, int epmdPort) {
        super("RabbitMQ", directory, new ServerProcess(List.of("bash", repository.rabbitMQScript().toString(),
            "--dir", directory.toString(),
            "--port", String.valueOf(port),
            "--management-port", String.valueOf(managementPort),
            "--dist-port", String.valueOf(distPort),
            "--epmd-port", String.valueOf(epmdPort)), repository.root(), directory.resolve("rabbitmq.log")), STARTUP_TIMEOUT);
        this.port = port;
        this.managementPort = managementPort;
    }

    /** A fresh node (whatever the folder held is deleted), started and ready. */
    public static RabbitMQNode start(Repository repository, Path directory) throws IOException, InterruptedException {
        Trees.delete(directory);
        Files.createDirectories(directory);
        RabbitMQNode node = new RabbitMQNode(repository, directory, Ports.free(), Ports.free(), Ports.free(), Ports.free());
        node.start();
        return node;
    }

    /** Ready when AMQP listens and the management API answers. */
    @Override
    protected boolean ready() {
        try {
            return Ports.listening(port) && Ports.listening(managementPort)
                && management("GET", "/api/overview", null).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The AMQP port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The HTTP management API's port on 127.0.0.1. */
    public int managementPort() {
        return managementPort;
    }

    /**
     * The messages in one of James's mail queues (its RabbitMQ work queue, {@code JamesMailQueue-workqueue-<name>}) of
     * the default virtual host: ready and unacknowledged, as the management API counts them (its statistics lag by up
     * to 5 s).
     */
    public long messages(String mailQueue) throws IOException, InterruptedException {
        return messages("/", mailQueue);
    }

    /** The same in this virtual host. */
    public long messages(String virtualHost, String mailQueue) throws IOException, InterruptedException {
        HttpResponse<String> response = management("GET", "/api/queues/" + encode(virtualHost) + "/JamesMailQueue-workqueue-"
            + mailQueue, null);
        if (response.statusCode() == 404) {
            return 0;
        }
        Matcher messages = MESSAGES.matcher(response.body());
        if (response.statusCode() != 200 || !messages.find()) {
            throw new IllegalStateException("RabbitMQ's management API: " + response.statusCode() + " " + response.body());
        }
        return Long.parseLong(messages.group(1));
    }

    /**
     * A virtual host of its own (created if missing, the default user guest allowed everything in it): a server whose
     * rabbitmq.properties names it ({@code uri=amqp://127.0.0.1:<port>/<name>}) shares no queue with the others.
     */
    public void createVirtualHost(String name) throws IOException, InterruptedException {
        for (HttpResponse<String> response : List.of(
                management("PUT", "/api/vhosts/" + encode(name), "{}"),
                management("PUT", "/api/permissions/" + encode(name) + "/guest",
                    "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}"))) {
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("RabbitMQ's management API: " + response.statusCode() + " " + response.body());
            }
        }
    }

    /**
     * Deletes a virtual host and its queues. A server whose {@code uri} names no virtual host looks for its queues in
     * every virtual host (James 3.8.1 lists them through the management API's {@code /api/queues}): while another
     * virtual host holds James's queues, such a server finds its own "created" and never declares them.
     */
    public void deleteVirtualHost(String name) throws IOException, InterruptedException {
        HttpResponse<String> response = management("DELETE", "/api/vhosts/" + encode(name), null);
        if (response.statusCode() / 100 != 2 && response.statusCode() != 404) {
            throw new IllegalStateException("RabbitMQ's management API: " + response.statusCode() + " " + response.body());
        }
    }

    private HttpResponse<String> management(String method, String path, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
            .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8)))
            .header("Content-Type", "application/json")
            .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
            .timeout(Duration.ofSeconds(10))
            .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String encode(String virtualHost) {
        return URLEncoder.encode(virtualHost, StandardCharsets.UTF_8);
    }
}
