package org.jamesetrn.protocol;

import java.io.StringReader;

import org.apache.commons.configuration2.XMLConfiguration;
import org.apache.commons.configuration2.convert.DisabledListDelimiterHandler;
import org.apache.commons.configuration2.io.FileHandler;

/** A {@code <handler>} element read the way James reads smtpserver.xml (no list splitting on commas). */
final class TestConfigurations {
    private TestConfigurations() {
    }

    static XMLConfiguration handler(String innerXml) {
        try {
            XMLConfiguration configuration = new XMLConfiguration();
            configuration.setListDelimiterHandler(new DisabledListDelimiterHandler());
            new FileHandler(configuration).load(new StringReader(
                "<handler class=\"org.jamesetrn.protocol.EtrnCmdHandler\">" + innerXml + "</handler>"));
            return configuration;
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
