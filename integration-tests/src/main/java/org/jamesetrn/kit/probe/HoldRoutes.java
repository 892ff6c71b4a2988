package org.jamesetrn.kit.probe;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import javax.inject.Inject;


import org.apache.james.core.MailAddress;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepository;
import org.apache.james.mailrepository.api.MailRepositoryStore;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.webadmin.Routes;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Splitter;
import com.google.common.base.Supplier;
import com.google.common.base.Suppliers;

import spark.Request;
import spark.Response;
import spark.Service;

/**
 * TESTS AND BENCHMARK ONLY, never in a product conf: a WebAdmin route (in the kit's probe jar) that fills the hold fast
 * and reads what it holds.
 *
 * <ul>
 *   <li>{@code POST /probe/holds/held?processor=etrn-hold&count=N&domains=a.test,b.test&prefix=p}: sends N mails
 *   (recipient {@code u<i>@<domain>} round robin, Message-ID {@code <p-i@probe>}) into the spool at that processor,
 *   where the real HoldForEtrn holds them.</li>
 *   <li>{@code POST /probe/holds/stored?root=memory://var/mail/etrn-hold/&count=N&domains=...&prefix=p}: stores the
 *   same mails straight into James's repositories {@code <root>/<domain>} (James's own repository, no extension): the
 *   baseline of the hold's memory.</li>
 *   <li>{@code GET /probe/holds?root=...}: the number of mails in every repository under the root; with
 *   {@code &domain=d.test}, in that domain's repository only. Counted from the repositories' listings: no mail is
 *   read (see {@code /mails}).</li>
 *   <li>{@code DELETE /probe/holds?root=...}: empties them.</li>
 *   <li>{@code GET /probe/holds/mails?root=...&domain=d.test}: the mails held for a domain (repository
 *   {@code <root>/<domain>}), as JSON: key, recipients, since (epoch ms) and generation as the hold stored them
 *   ({@link HeldState}); {@code []} when the domain has no repository. Read through James's MailRepositoryStore, which
 *   takes nothing, outside the hold's locks: James 3.8.1's file repository lists a key before its files are written,
 *   and its {@code retrieve} of a mail still being written deletes it ("Exception retrieving mail ... so we're deleting
 *   it"). So a test waits for mail to arrive with the count, and reads the mails once they are there.</li>
 *   <li>{@code GET /probe/holds/keys?root=...&domain=d.test}: the keys of that domain's repository, as a JSON array,
 *   from its listing (no mail read).</li>
 * </ul>
 */
public class HoldRoutes implements Routes {
    private static final String BASE = "/probe/holds";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MailetContext mailetContext;
    private final MailRepositoryStore store;
    /**
     * Found at first use: a James without the extension (the benchmark's stock server) starts with these routes too,
     * and never reads a held entry.
     */
    private final Supplier<HeldState.Reader> reader;

    @Inject
    public HoldRoutes(MailetContext mailetContext, MailRepositoryStore store, FileSystem fileSystem) {
        this.reader = Suppliers.memoize(() -> new HeldState.Reader(fileSystem));
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
        service.get(BASE + "/mails", this::mails);
        service.get(BASE + "/keys", this::keys);
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
        String domain = request.queryParams("domain");
        if (domain != null) {
            MailRepositoryUrl url = MailRepositoryUrl.from(request.queryParams("root")).subUrl(domain);
            Optional<MailRepository> repository = store.get(url);
            size = repository.isPresent() ? repository.get().size() : 0;
        } else {
            for (MailRepositoryUrl url : under(request)) {
                size += store.select(url).size();
            }
        }
        response.type("application/json");
        return "{\"size\":" + size + "}";
    }

    private Object keys(Request request, Response response) throws Exception {
        MailRepositoryUrl url = MailRepositoryUrl.from(request.queryParams("root")).subUrl(request.queryParams("domain"));
        List<String> keys = new ArrayList<>();
        Optional<MailRepository> repository = store.get(url);
        if (repository.isPresent()) {
            Iterator<MailKey> listed = repository.get().list();
            while (listed.hasNext()) {
                keys.add(listed.next().asString());
            }
        }
        response.type("application/json");
        return JSON.writeValueAsString(keys);
    }

    private Object mails(Request request, Response response) throws Exception {
        MailRepositoryUrl url = MailRepositoryUrl.from(request.queryParams("root")).subUrl(request.queryParams("domain"));
        Optional<MailRepository> repository = store.get(url);
        List<Map<String, Object>> mails = new ArrayList<>();
        if (repository.isPresent()) {
            Iterator<MailKey> keys = repository.get().list();
            while (keys.hasNext()) {
                heldView(repository.get(), request.queryParams("domain"), keys.next()).ifPresent(mails::add);
            }
        }
        response.type("application/json");
        return JSON.writeValueAsString(mails);
    }

    private Optional<Map<String, Object>> heldView(MailRepository repository, String domain, MailKey key) {
        Mail mail;
        try {
            mail = repository.retrieve(key);
        } catch (Exception beingWritten) {
            return Optional.empty(); // James's file repository lists a key before its files exist: not held yet
        }
        if (mail == null) {
            return Optional.empty();
        }
        try {
            Optional<HeldState> state = reader.get().of(domain, mail);
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("key", mail.getName());
            view.put("recipients", mail.getRecipients().stream().map(MailAddress::asString).collect(Collectors.toList()));
            view.put("since", state.map(held -> held.since().toEpochMilli()).orElse(null));
            view.put("generation", state.map(HeldState::generation).orElse(null));
            return Optional.of(view);
        } finally {
            LifecycleUtil.dispose(mail);
        }
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
