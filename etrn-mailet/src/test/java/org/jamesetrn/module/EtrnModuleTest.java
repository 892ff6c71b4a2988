package org.jamesetrn.module;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;

import javax.jms.ConnectionFactory;

import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.core.healthcheck.Result;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.mailetcontainer.api.MailProcessor;
import org.apache.james.mailrepository.api.MailRepositoryStore;
import org.apache.james.metrics.api.GaugeRegistry;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.metrics.api.NoopGaugeRegistry;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.queue.activemq.ActiveMQMailQueueFactory;
import org.apache.james.queue.activemq.metric.ActiveMQMetricCollectorNoop;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.api.RawMailQueueItemDecoratorFactory;
import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.apache.james.server.core.JamesServerResourceLoader;
import org.apache.james.server.core.configuration.Configuration.ConfigurationPath;
import org.apache.james.server.core.filesystem.FileSystemImpl;
import org.apache.james.utils.PropertiesProvider;
import org.apache.mailet.MailetContext;
import org.jamesetrn.health.FixedHealthCheck;
import org.jamesetrn.health.HoldHealthCheck;
import org.jamesetrn.node.Node;
import org.jamesetrn.release.DeferredMailRelease;
import org.jamesetrn.release.ReleaseConfiguration;
import org.jamesetrn.release.queue.JmsBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.util.Modules;

import reactor.core.publisher.Mono;

/** The module as James loads it: in a child injector of the server's injector, which binds the queue factory. */
class EtrnModuleTest {
    @TempDir
    File workingDirectory;

    private Injector james(MailQueueFactory<? extends ManageableMailQueue> queues, Module... more) {
        FileSystem fileSystem = new FileSystemImpl(new JamesServerResourceLoader(workingDirectory.getAbsolutePath()));
        PropertiesProvider properties = new PropertiesProvider(fileSystem, new ConfigurationPath("file://conf/"));
        Module server = binder -> {
            binder.bind(new TypeLiteral<MailQueueFactory<? extends ManageableMailQueue>>() { }).toInstance(queues);
            binder.bind(MetricFactory.class).toInstance(new RecordingMetricFactory());
            binder.bind(GaugeRegistry.class).toInstance(new NoopGaugeRegistry());
            binder.bind(PropertiesProvider.class).toInstance(properties);
            binder.bind(FileSystem.class).toInstance(fileSystem);
            // What the holds and shared repositories use; no HoldForEtrn mailet and no repository is configured here.
            binder.bind(MailRepositoryStore.class).toInstance(unused(MailRepositoryStore.class));
            binder.bind(MailetContext.class).toInstance(unused(MailetContext.class));
            binder.bind(MailProcessor.class).toInstance(unused(MailProcessor.class));
        };
        return Guice.createInjector(Modules.combine(server, Modules.combine(more)));
    }

    private static <T> T unused(Class<T> type) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            if (method.getName().equals("toString")) {
                return "unused " + type.getSimpleName();
            }
            throw new UnsupportedOperationException(type.getSimpleName() + "." + method.getName());
        }));
    }

    @Test
    void loadsOnTheMemoryServerWhichBindsNoConnectionFactory() throws Exception {
        MemoryMailQueueFactory memory = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
        Injector extension = james(memory).createChildInjector(new EtrnModule());
        extension.getInstance(EtrnStartup.class).start();

        DeferredMailRelease release = extension.getInstance(DeferredMailRelease.class);

        assertThat(release.release(Node.domain("customer.test")).counted().get(10, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void stopsJamesWhenItsJmsQueueComesWithoutAConnectionFactory() {
        ActiveMQMailQueueFactory jms = new ActiveMQMailQueueFactory(new ActiveMQConnectionFactory("vm://unused?create=false"),
            new RawMailQueueItemDecoratorFactory(), new RecordingMetricFactory(), new NoopGaugeRegistry(),
            new ActiveMQMetricCollectorNoop());
        EtrnStartup startup = james(jms).createChildInjector(new EtrnModule()).getInstance(EtrnStartup.class);

        assertThatThrownBy(startup::start)
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("ETRN cannot take mail from James's JMS queue")
            .hasMessageContaining("binds no javax.jms.ConnectionFactory");
    }

    @Test
    void findsTheConnectionFactoryJamesBindsFromItsChildInjector() {
        MemoryMailQueueFactory memory = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
        Injector withBroker = james(memory, binder -> binder.bind(ConnectionFactory.class)
            .toInstance(new ActiveMQConnectionFactory("vm://unused?create=false")));
        Injector child = withBroker.createChildInjector(binder -> { });

        assertThat(JmsBackends.lookup(child, ReleaseConfiguration.defaults())).isPresent();
        assertThat(JmsBackends.lookup(james(memory).createChildInjector(binder -> { }), ReleaseConfiguration.defaults())).isEmpty();
    }

    @Test
    void theHoldsHealthCheckReadsThePartsOfTheExtensionModules() {
        MemoryMailQueueFactory memory = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
        // As James binds its own checks: a set in the server's injector.
        Injector server = james(memory, binder -> Multibinder.newSetBinder(binder, HealthCheck.class));
        HealthCheck part = unhealthy("hold store", "cannot write");
        Injector extension = server.createChildInjector(new EtrnModule(),
            binder -> HoldHealthCheck.parts(binder).addBinding().toInstance(part));

        Result result = Mono.from(extension.getInstance(HoldHealthCheck.class).check()).block();

        assertThat(result.isUnHealthy()).isTrue();
        assertThat(result.getCause()).contains("hold store: cannot write");
        assertThat(Mono.from(server.createChildInjector(new EtrnModule()).getInstance(HoldHealthCheck.class).check())
            .block().isHealthy()).as("no part").isTrue();
    }

    /** Why HoldHealthCheck has a set of its own: an extension module cannot add to the set James's /healthcheck reads. */
    @Test
    void aHealthCheckSetInAnExtensionModuleFailsTheExtensionInjector() {
        MemoryMailQueueFactory memory = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
        Injector server = james(memory, binder -> Multibinder.newSetBinder(binder, HealthCheck.class));

        assertThatThrownBy(() -> server.createChildInjector(new EtrnModule(),
                binder -> Multibinder.newSetBinder(binder, HealthCheck.class).addBinding().toInstance(unhealthy("hold store", "down"))))
            .isInstanceOf(CreationException.class)
            .hasMessageContaining("was bound multiple times");
    }

    private static HealthCheck unhealthy(String name, String cause) {
        return new FixedHealthCheck(name, component -> Result.unhealthy(component, cause));
    }
}
