package io.levitate.bgp.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes announcer config files (the shared schema of docs/CONFIG.md) for lab tests. */
final class AnnouncerConfigs {
    private AnnouncerConfigs() {}

    static Path write(
            final Lab lab,
            final String instance,
            final int host,
            final Path countersDir,
            final String vip,
            final String extraBgp)
            throws IOException {
        final String yaml = """
            instance:
              name: %1$s
              counters_dir: %2$s
              workers: 1
            services:
              - name: web
                vip: %3$s
                port: 80
                protocol: tcp
                backends:
                  - address: 10.0.2.11
            bgp:
              local_as: 65001
              router_id: 10.0.0.%4$d
              hold_time: 3s
              connect_retry: 200ms
              graceful_shutdown_wait: 1500ms
              announce_delay: 200ms
              metrics_listen: 127.0.0.1:0
              communities: ["65001:100"]
            %6$s
              peers:
                - address: %5$s
                  remote_as: 65000
                  local_address: %7$s
            """.formatted(instance, countersDir, vip, host, lab.v4(1), extraBgp, lab.v4(host));
        final Path file = lab.dir.resolve(instance + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
