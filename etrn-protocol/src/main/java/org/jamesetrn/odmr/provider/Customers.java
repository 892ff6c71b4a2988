package org.jamesetrn.odmr.provider;

import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.utils.PropertiesProvider;
import org.jamesetrn.conf.PropertiesFile;
import org.jamesetrn.node.InvalidNodeException;
import org.jamesetrn.odmr.AtrnDomains;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;

/**
 * The ODMR listener's customers, read from {@code conf/odmr-customers.properties}: the one reader of that file.
 * CRAM-MD5 needs each secret itself (James's users repository keeps hashes), hence a file of its own, to be kept
 * readable by James only. No file, or no {@code customers}, means no customer: every AUTH fails, nothing is served.
 * A domain belongs to one customer at most. A mistake stops James at start-up with a message naming the key, never
 * a secret.
 */
public final class Customers {
    public static final String FILE_NAME = "odmr-customers";
    static final String CUSTOMERS = "customers";
    static final String PREFIX = "customer.";
    static final String SECRET = ".secret";
    static final String DOMAINS = ".domains";
    /** AUTH user names as customers are usually named: a domain, an address, a plain name. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}");

    public static Customers load(PropertiesProvider propertiesProvider) throws ConfigurationException {
        Optional<PropertiesFile> file = PropertiesFile.load(propertiesProvider, FILE_NAME);
        return file.isPresent() ? read(file.get()) : of(ImmutableList.of());
    }

    public static Customers of(List<Customer> customers) {
        return new Customers(customers.stream().collect(ImmutableMap.toImmutableMap(Customer::name, customer -> customer)));
    }

    static Customers read(PropertiesFile file) throws ConfigurationException {
        List<String> names = file.list(CUSTOMERS);
        for (Iterator<String> keys = file.keys(); keys.hasNext(); ) {
            checkKey(file, names, keys.next());
        }
        ImmutableList.Builder<Customer> customers = ImmutableList.builder();
        Map<String, String> owners = new HashMap<>();
        for (String name : names) {
            if (!NAME.matcher(name).matches()) {
                throw file.invalid(CUSTOMERS, "'" + name + "' is not a customer name (letters, digits, . _ @ + -)");
            }
            String secret = file.secret(PREFIX + name + SECRET)
                .orElseThrow(() -> file.invalid(PREFIX + name + SECRET, "required"));
            ImmutableList.Builder<String> domains = ImmutableList.builder();
            for (String written : file.list(PREFIX + name + DOMAINS)) {
                String domain = domain(file, name, written);
                String owner = owners.putIfAbsent(domain, name);
                if (owner != null && !owner.equals(name)) {
                    throw file.invalid(PREFIX + name + DOMAINS, domain + " is listed for customer " + owner + " already");
                }
                domains.add(domain);
            }
            List<String> listed = domains.build().stream().distinct().collect(ImmutableList.toImmutableList());
            if (listed.isEmpty()) {
                throw file.invalid(PREFIX + name + DOMAINS, "required: the domains this customer may ask for");
            }
            customers.add(Customer.of(name, secret, listed));
        }
        return of(customers.build());
    }

    /** Every key is known: a misspelt one would otherwise be ignored without a word. */
    private static void checkKey(PropertiesFile file, List<String> names, String key) throws ConfigurationException {
        if (key.equals(CUSTOMERS)) {
            return;
        }
        String suffix = key.endsWith(SECRET) ? SECRET : key.endsWith(DOMAINS) ? DOMAINS : null;
        if (!key.startsWith(PREFIX) || suffix == null) {
            throw file.invalid(key, "unknown key (customers, customer.<name>.secret, customer.<name>.domains)");
        }
        String name = key.substring(PREFIX.length(), key.length() - suffix.length());
        if (!names.contains(name)) {
            throw file.invalid(key, "customer '" + name + "' is not listed in '" + CUSTOMERS + "'");
        }
    }

    private static String domain(PropertiesFile file, String name, String written) throws ConfigurationException {
        try {
            return AtrnDomains.domain(written);
        } catch (InvalidNodeException e) {
            throw file.invalid(PREFIX + name + DOMAINS, "'" + written + "' is not a domain: " + e.getMessage());
        }
    }

    private final ImmutableMap<String, Customer> byName;

    private Customers(ImmutableMap<String, Customer> byName) {
        this.byName = byName;
    }

    /** The customer who authenticates with this name (exact). */
    public Optional<Customer> named(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public int size() {
        return byName.size();
    }

    @Override
    public String toString() {
        return byName.keySet().toString();
    }
}
