package org.jamesetrn.bench.probe;

import java.util.List;

import javax.inject.Inject;

import org.apache.james.server.core.MailImpl;
import org.apache.james.webadmin.Routes;
import org.apache.mailet.MailetContext;

import com.google.common.base.Splitter;

import spark.Request;
import spark.Response;
import spark.Service;

/**
 * BENCHMARK ONLY, never in a product conf: a WebAdmin route that fills the ETRN hold without SMTP. Each mail is sent
 * into James's spool in the hold's processor ({@code etrn-hold} of conf/mailetcontainer.xml), so that HoldForEtrn holds
 * it exactly as it holds mail received over SMTP (its repository, its attributes, its claims).
 *
 * <ul>
 *   <li>{@code POST /bench/hold?count=N&domains=a.test,b.test&prefix=p&state=etrn-hold}: sends N mails, recipient
 *   {@code u<i>@<domain>} round robin over the domains, Message-ID {@code <p-i@bench>}; answers once they are in the
 *   spool (holding them takes longer: count the hold's repositories).</li>
 * </ul>
 */
public class BenchHoldRoutes implements Routes {
    private static final String BASE = "/bench/hold";

    private final MailetContext mailetContext;

    @Inject
    public BenchHoldRoutes(MailetContext mailetContext) {
        this.mailetContext = mailetContext;
    }

    @Override
    public String getBasePath() {
        return BASE;
    }

    @Override
    public void define(Service service) {
        service.post(BASE, this::fill);
    }

    private Object fill(Request request, Response response) throws Exception {
        int count = Integer.parseInt(request.queryParams("count"));
        List<String> domains = Splitter.on(',').omitEmptyStrings().trimResults().splitToList(request.queryParams("domains"));
        String prefix = request.queryParamOrDefault("prefix", "bench");
        String state = request.queryParamOrDefault("state", "etrn-hold");
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            String id = prefix + "-" + i;
            String recipient = "u" + i + "@" + domains.get(i % domains.size());
            mailetContext.sendMail(MailImpl.builder()
                .name(id)
                .sender("bench@relay.local")
                .addRecipient(recipient)
                .mimeMessage(BenchQueueRoutes.message(id, recipient))
                .build(), state);
        }
        response.type("application/json");
        return "{\"sent\":" + count + ",\"ms\":" + (System.nanoTime() - start) / 1_000_000 + "}";
    }
}
