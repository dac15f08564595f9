"""docker-py (7.x) high-level API against ckitd: images pull/build/tag/remove/save/load, volumes and networks, and
containers run/exec_run/logs(stream)/attach/wait/commit/put_archive/get_archive, events and stats."""

import io
import os
import tarfile
import time

import docker
import pytest


def test_images_pull_tag_remove(client, busybox, name):
    repo, tag = busybox.rsplit(":", 1)
    image = client.images.pull(repo, tag=tag)
    assert image.id.startswith("sha256:")
    assert busybox in image.tags
    assert image.tag(name, "t1")
    assert client.images.get(f"{name}:t1").id == image.id
    assert any(f"{name}:t1" in i.tags for i in client.images.list())
    assert client.images.list(filters={"reference": f"{name}:*"})[0].id == image.id
    history = image.history()
    assert history and "Created" in history[0]
    client.images.remove(f"{name}:t1")
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get(f"{name}:t1")
    with pytest.raises(docker.errors.NotFound):
        client.images.pull(repo.rsplit("/", 1)[0] + "/" + name, tag="1")


def test_push_and_pull_with_registry_auth(client, busybox, auth_registry, name):
    host, username, password = auth_registry
    target = f"{host}/{name}/locked"
    client.images.pull(busybox).tag(target, "1")
    # Without credentials the registry refuses: the error is the stream's last message.
    refused = client.images.push(target, tag="1", stream=True, decode=True)
    assert any("error" in line for line in refused)
    auth = {"username": username, "password": password}
    pushed = list(client.images.push(target, tag="1", stream=True, decode=True, auth_config=auth))
    assert not any("error" in line for line in pushed), pushed
    assert any("digest: sha256:" in line.get("status", "") for line in pushed)
    client.images.remove(f"{target}:1")
    with pytest.raises(docker.errors.APIError):
        client.images.pull(target, tag="1", auth_config={"username": username, "password": "wrong"})
    image = client.images.pull(target, tag="1", auth_config=auth)
    assert f"{target}:1" in image.tags
    client.images.remove(f"{target}:1")


def test_build_from_a_locked_registry(busybox, auth_registry, name, tmp_path):
    # A client of its own, whose credentials its builds send.
    client = docker.DockerClient(base_url=os.environ["DOCKER_HOST"], timeout=180)
    host, username, password = auth_registry
    base = f"{host}/{name}/base"
    client.images.pull(busybox).tag(base, "1")
    pushed = list(client.images.push(base, tag="1", stream=True, decode=True,
                                     auth_config={"username": username, "password": password}))
    assert not any("error" in line for line in pushed), pushed
    client.images.remove(f"{base}:1")
    (tmp_path / "Dockerfile").write_text(f"FROM {base}:1\nRUN echo locked > /locked\n")
    with pytest.raises(docker.errors.BuildError):
        client.images.build(path=str(tmp_path), rm=True)
    # The client's credentials go with the build (X-Registry-Config), as docker-py sends those of its config.
    client.api._auth_configs.add_auth(host, {"username": username, "password": password, "serveraddress": host})
    image, _ = client.images.build(path=str(tmp_path), tag=f"{name}:locked", rm=True)
    assert f"{name}:locked" in image.tags
    client.images.remove(f"{name}:locked")
    client.images.remove(f"{base}:1")
    client.close()


def test_images_build_cached_and_failed(client, busybox, name, tmp_path):
    (tmp_path / "Dockerfile").write_text(f"FROM {busybox}\nRUN echo built > /built\nLABEL ckitd=test\n")
    image, logs = client.images.build(path=str(tmp_path), tag=f"{name}:b1", rm=True)
    assert image.labels.get("ckitd") == "test"
    assert f"{name}:b1" in image.tags
    again, logs = client.images.build(path=str(tmp_path), tag=f"{name}:b1", rm=True)
    assert again.id == image.id
    assert any("Using cache" in chunk.get("stream", "") for chunk in logs)
    (tmp_path / "Dockerfile").write_text(f"FROM {busybox}\nRUN exit 3\n")
    with pytest.raises(docker.errors.BuildError):
        client.images.build(path=str(tmp_path), rm=True)
    client.images.remove(f"{name}:b1")


def test_images_save_load(client, busybox, name):
    image = client.images.pull(busybox)
    image.tag(name, "s1")
    data = b"".join(client.images.get(f"{name}:s1").save(named=f"{name}:s1"))
    assert len(data) > 100_000
    client.images.remove(f"{name}:s1")
    loaded = client.images.load(data)
    assert any(f"{name}:s1" in i.tags for i in loaded)
    client.images.remove(f"{name}:s1")


def test_volumes_and_networks(client, name):
    volume = client.volumes.create(name=name, labels={"k": "v"})
    assert volume.name == name
    assert client.volumes.get(name).attrs["Labels"] == {"k": "v"}
    assert name in [v.name for v in client.volumes.list()]
    volume.remove()
    with pytest.raises(docker.errors.NotFound):
        client.volumes.get(name)
    assert {"bridge", "host", "none"} <= {n.name for n in client.networks.list()}
    assert client.networks.get("bridge").attrs["Driver"] == "bridge"


def test_containers_run_exec_logs_wait_commit(client, busybox, name):
    out = client.containers.run(busybox, ["echo", "hello world"], remove=True)
    assert out == b"hello world\n"
    c = client.containers.run(
        busybox, ["sh", "-c", "echo ready; i=0; while [ $i -lt 3 ]; do echo tick $i; i=$((i+1)); sleep 0.2; done; sleep 30"],
        name=name, detach=True)
    try:
        lines = []
        for chunk in c.logs(stream=True, follow=True):
            lines.append(chunk)
            if b"tick 2" in b"".join(lines):
                break
        assert b"ready" in b"".join(lines)
        bridge = client.networks.get("bridge").attrs
        attached = bridge["Containers"][c.id]
        assert attached["Name"] == name
        c.reload()
        assert attached["IPv4Address"].split("/")[0] == c.attrs["NetworkSettings"]["IPAddress"]
        code, output = c.exec_run(["sh", "-c", "echo from exec; rm /etc/passwd"])
        assert code == 0
        assert output == b"from exec\n"
        stats = c.stats(stream=False)
        assert "memory_stats" in stats
        image = c.commit(repository=name, tag="c1")
        assert image.id.startswith("sha256:")
        c.kill()
        assert c.wait(timeout=60)["StatusCode"] == 137
        check = client.containers.run(f"{name}:c1", ["sh", "-c", "test -e /etc/passwd; echo $?"], remove=True)
        assert check == b"1\n"
    finally:
        c.remove(force=True)
        client.images.remove(f"{name}:c1", force=True)


def test_containers_archive_and_attach(client, busybox, name):
    c = client.containers.create(busybox, ["sh", "-c", "read line; echo got $line; cat /note.txt"], name=name,
                                 stdin_open=True)
    try:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            data = b"a note\n"
            info = tarfile.TarInfo("note.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        c.start()
        assert c.put_archive("/", buf.getvalue())
        stream, stat = c.get_archive("/note.txt")
        assert stat["name"] == "note.txt"
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            assert tar.extractfile("note.txt").read() == b"a note\n"
        sock = c.attach_socket(params={"stdin": 1, "stdout": 1, "stream": 1})
        sock._sock.sendall(b"x\n")
        received = b""
        deadline = time.time() + 30
        while b"a note" not in received and time.time() < deadline:
            chunk = sock._sock.recv(4096)
            if not chunk:
                break
            received += chunk
        sock.close()
        assert b"got x" in received
        assert c.wait(timeout=60)["StatusCode"] == 0
    finally:
        c.remove(force=True)


def test_events(client, busybox, name):
    since = int(time.time()) - 1
    client.containers.run(busybox, ["true"], name=name, remove=True)
    events = client.events(since=since, until=int(time.time()) + 1, decode=True,
                           filters={"container": name})
    actions = [e.get("Action") or e.get("status") for e in events]
    assert "create" in actions and "start" in actions and "die" in actions
