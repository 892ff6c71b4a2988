package org.jamesetrn.kit.probe;

import java.util.List;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.mailrepository.api.MailRepositoryStore;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.webadmin.Routes;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;

import com.google.common.base.Splitter;

import spark.Request;
import spark.Response;
import spark.Service;

/**
 * TESTS AND BENCHMARK ONLY, never in a product conf: a WebAdmin route (in the kit's probe jar) that fills the hold fast.
 *
 * <ul>
 *   <li>{@code POST /probe/holds/held?processor=etrn-hold&count=N&domains=a.test,b.test&prefix=p}: sends N mails
 *   (recipient {@code u<i>@<domain>} round robin, Message-ID {@code <p-i@probe>}) into the spool at that processor,
 *   where the real HoldForEtrn holds them.</li>
 *   <li>{@code POST /probe/holds/stored?root=memory://var/mail/etrn-hold/&count=N&domains=...&prefix=p}: stores the
 *   same mails straight into James's repositories {@code <root>/<domain>} (James's own repository, no extension): the
 *   baseline of the hold's memory.</li>
 *   <li>{@code GET /probe/holds?root=...}: the number of mails in every repository under the root.</li>
 *   <li>{@code DELETE /probe/holds?root=...}: empties them.</li>
 * </ul>
 */
public class HoldRoutes implements Routes {
    private static final String BASE = "/probe/holds";

    private final MailetContext mailetContext;
    private final MailRepositoryStore store;

    @Inject
    public HoldRoutes(MailetContext mailetContext, MailRepositoryStore store) {
        this.mailetContext = mailetContext;
        this.store = store;
    }

    @Override
    public String getBasePath() {
        return BASE;
    }

    @Override
    public void define(Service service) {
        service.post(BASE + "/held", this::held);
        service.post(BASE + "/stored", this::stored);
        service.get(BASE, this::size);
        service.delete(BASE, this::clear);
    }

    private Object held(Request request, Response response) throws Exception {
        String processor = request.queryParams("processor");
        return fill(request, response, mail -> mailetContext.sendMail(mail, processor));
    }

    private Object stored(Request request, Response response) throws Exception {
        MailRepositoryUrl root = MailRepositoryUrl.from(request.queryParams("root"));
        return fill(request, response, mail -> store.select(root.subUrl(mail.getRecipients().iterator().next().getDomain().asString()))
            .store(mail));
    }

    private interface Sink {
        void take(Mail mail) throws Exception;
    }

    private Object fill(Request request, Response response, Sink sink) throws Exception {
        int count = Integer.parseInt(request.queryParams("count"));
        List<String> domains = Splitter.on(',').omitEmptyStrings().trimResults().splitToList(request.queryParams("domains"));
        String prefix = request.queryParamOrDefault("prefix", "probe");
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            Mail mail = mail(prefix + "-" + i, "u" + i + "@" + domains.get(i % domains.size()));
            try {
                sink.take(mail);
            } finally {
                LifecycleUtil.dispose(mail);
            }
        }
        response.type("application/json");
        return "{\"sent\":" + count + ",\"ms\":" + (System.nanoTime() - start) / 1_000_000 + "}";
    }

    private Object size(Request request, Response response) throws Exception {
        long size = 0;
        for (MailRepositoryUrl url : under(request)) {
            size += store.select(url).size();
        }
        response.type("application/json");
        return "{\"size\":" + size + "}";
    }

    private Object clear(Request request, Response response) throws Exception {
        for (MailRepositoryUrl url : under(request)) {
            store.select(url).removeAll();
        }
        response.type("application/json");
        return "{\"cleared\":true}";
    }

    private List<MailRepositoryUrl> under(Request request) {
        MailRepositoryUrl root = MailRepositoryUrl.from(request.queryParams("root"));
        return store.getUrls().filter(url -> url.hasPrefix(root)).collect(Collectors.toList());
    }

    private static Mail mail(String id, String recipient) throws Exception {
        return ProbeMails.mail(id, recipient).build();
    }
}
