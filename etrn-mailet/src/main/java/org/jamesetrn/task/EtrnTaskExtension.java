package org.jamesetrn.task;

import java.util.Set;

import javax.inject.Inject;

import org.apache.james.server.task.json.TaskExtensionModule;
import org.apache.james.server.task.json.dto.AdditionalInformationDTO;
import org.apache.james.server.task.json.dto.AdditionalInformationDTOModule;
import org.apache.james.server.task.json.dto.TaskDTO;
import org.apache.james.server.task.json.dto.TaskDTOModule;
import org.apache.james.task.Task;
import org.apache.james.task.TaskExecutionDetails;
import org.jamesetrn.release.DeferredMailRelease;

import com.google.common.collect.ImmutableSet;

/**
 * Makes the ETRN release task known to James's task serialization and to {@code /tasks/{id}}: named by
 * {@code guice.extension.task} in conf/extensions.properties.
 */
public class EtrnTaskExtension implements TaskExtensionModule {
    private final DeferredMailRelease release;

    @Inject
    public EtrnTaskExtension(DeferredMailRelease release) {
        this.release = release;
    }

    @Override
    public Set<TaskDTOModule<? extends Task, ? extends TaskDTO>> taskDTOModules() {
        return ImmutableSet.of(NodeReleaseTaskDTO.module(release));
    }

    @Override
    public Set<AdditionalInformationDTOModule<? extends TaskExecutionDetails.AdditionalInformation, ? extends AdditionalInformationDTO>> taskAdditionalInformationDTOModules() {
        return ImmutableSet.of(NodeReleaseDetailsDTO.module());
    }
}
