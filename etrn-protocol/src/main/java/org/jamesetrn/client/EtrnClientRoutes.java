package org.jamesetrn.client;

import static org.eclipse.jetty.http.HttpStatus.NOT_FOUND_404;

import java.util.List;
import java.util.Optional;

import javax.inject.Inject;

import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.apache.james.webadmin.utils.ErrorResponder.ErrorType;
import org.apache.james.webadmin.utils.JsonTransformer;

import com.google.common.collect.ImmutableList;

import spark.Request;
import spark.Service;

/**
 * The operator's "ask the relays now" (Sendmail's {@code etrn} script, MDaemon's Mail Release): {@code POST
 * /etrnClient} asks every relay of conf/etrn-client.properties for its nodes, {@code POST /etrnClient/{relay}} one
 * of them (404 when there is none of that name). The answer lists each request's outcome (200, JSON array of
 * {@link EtrnRequestDTO}) once every relay has answered its first attempt; temporary failures are retried in the
 * background, as after any trigger. With no relay listed, the answer is an empty array.
 *
 * <p>Loaded by James's WebAdmin from {@code extensions.routes} in conf/webadmin.properties; the client comes from
 * {@code EtrnClientModule} in conf/extensions.properties.</p>
 */
public class EtrnClientRoutes implements Routes {
    public static final String BASE_PATH = "/etrnClient";

    private final EtrnClient client;
    private final JsonTransformer jsonTransformer;

    @Inject
    EtrnClientRoutes(EtrnClient client, JsonTransformer jsonTransformer) {
        this.client = client;
        this.jsonTransformer = jsonTransformer;
    }

    @Override
    public void define(Service service) {
        service.post(BASE_PATH, (request, response) -> ask(Optional.empty()), jsonTransformer);
        service.post(BASE_PATH + "/:relay", (request, response) -> ask(Optional.of(relay(request))), jsonTransformer);
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    private List<EtrnRequestDTO> ask(Optional<String> relay) {
        return client.requestNow(relay)
            .orElseThrow(() -> ErrorResponder.builder()
                .statusCode(NOT_FOUND_404)
                .type(ErrorType.NOT_FOUND)
                .message("No such relay in etrn-client.properties")
                .haltError())
            .stream()
            .map(EtrnRequestDTO::of)
            .collect(ImmutableList.toImmutableList());
    }

    private static String relay(Request request) {
        return request.params("relay");
    }
}
