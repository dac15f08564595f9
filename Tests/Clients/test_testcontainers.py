"""testcontainers (4.x) against ckitd: a generic container from the local registry, waited for by a log line,
exec'd into, its mapped port reached from the test, stopped and removed. Ryuk (its reaper) is disabled: its image
cannot be pulled here (TESTCONTAINERS_RYUK_DISABLED=true, set by the Swift test)."""

import os
import urllib.request

import docker
from testcontainers.core.container import DockerContainer
from testcontainers.core.waiting_utils import wait_for_logs


def test_generic_container_log_exec_port(busybox):
    assert os.environ.get("TESTCONTAINERS_RYUK_DISABLED") == "true"
    script = "mkdir -p /www && echo served by ckitd > /www/index.html && echo ready && exec httpd -f -p 8080 -h /www"
    container = DockerContainer(busybox).with_command(["sh", "-c", script]).with_exposed_ports(8080)
    with container:
        wait_for_logs(container, "ready", timeout=60)
        result = container.exec(["cat", "/www/index.html"])
        assert result.exit_code == 0
        assert result.output == b"served by ckitd\n"
        host = container.get_container_host_ip()
        port = container.get_exposed_port(8080)
        with urllib.request.urlopen(f"http://{host}:{port}/", timeout=30) as response:
            assert response.read() == b"served by ckitd\n"
        wrapped = container.get_wrapped_container()
        name = wrapped.name
    # Leaving the block stops and removes it.
    client = docker.DockerClient(base_url=os.environ["DOCKER_HOST"])
    assert name not in [c.name for c in client.containers.list(all=True)]
    client.close()
