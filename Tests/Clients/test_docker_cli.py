"""The docker CLI (28.x, classic builder) against ckitd: pull, images, tag, rmi, build with a cached second build,
commit after `rm /etc/passwd`, save/load, search, push, volumes and networks, each checked by its output and exit
code as dockerd gives them."""

import os
import subprocess

import pytest


@pytest.fixture(scope="module")
def docker_env(tmp_path_factory):
    env = dict(os.environ)
    env["DOCKER_BUILDKIT"] = "0"
    # A config of its own: no credential helper or context of the machine's user gets in the way.
    env["DOCKER_CONFIG"] = str(tmp_path_factory.mktemp("docker-config"))
    return env


def docker(env, *args, input=None, check=True):
    r = subprocess.run(["docker", *args], env=env, input=input, capture_output=True, text=True, timeout=300)
    if check:
        assert r.returncode == 0, f"docker {' '.join(args)} exited {r.returncode}: {r.stderr}{r.stdout}"
    return r


def test_pull_images_tag_rmi(docker_env, busybox, name):
    r = docker(docker_env, "pull", busybox)
    assert "Pulling from library/busybox" in r.stdout
    assert "Digest: sha256:" in r.stdout
    assert r.stdout.rstrip().endswith(busybox)
    again = docker(docker_env, "pull", busybox)
    assert "Status: Image is up to date for " + busybox in again.stdout
    images = docker(docker_env, "images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").stdout
    assert busybox in images
    docker(docker_env, "tag", busybox, f"{name}:t1")
    assert f"{name}:t1" in docker(docker_env, "images", "--format", "{{.Repository}}:{{.Tag}}").stdout
    rmi = docker(docker_env, "rmi", f"{name}:t1")
    assert rmi.stdout == f"Untagged: {name}:t1\n"
    missing = docker(docker_env, "rmi", f"{name}:t1", check=False)
    assert missing.returncode == 1
    assert "No such image" in missing.stderr
    bad = docker(docker_env, "pull", busybox.rsplit("/", 1)[0] + "/nosuch" + name, check=False)
    assert bad.returncode == 1
    assert "Error response from daemon: pull access denied for " in bad.stderr


def test_build_then_cached_build(docker_env, busybox, name, tmp_path):
    (tmp_path / "Dockerfile").write_text(f"FROM {busybox}\nRUN echo built > /built\nCOPY data.txt /data.txt\n")
    (tmp_path / "data.txt").write_text("context file\n")
    first = docker(docker_env, "build", "-t", f"{name}:1", str(tmp_path))
    assert "Step 1/3 : FROM " + busybox in first.stdout
    assert "Successfully built " in first.stdout
    assert f"Successfully tagged {name}:1" in first.stdout
    second = docker(docker_env, "build", "-t", f"{name}:1", str(tmp_path))
    assert second.stdout.count("Using cache") == 2
    ids = [line.split()[-1] for line in (first.stdout + second.stdout).splitlines() if "Successfully built" in line]
    assert ids[0] == ids[1]
    quiet = docker(docker_env, "build", "-q", str(tmp_path))
    assert quiet.stdout.strip().startswith("sha256:")
    # A Dockerfile from outside the context: the CLI adds it to the context's tar under a name of its own.
    outside = tmp_path.parent / (name + ".Dockerfile")
    outside.write_text(f"FROM {busybox}\nCOPY data.txt /copied.txt\n")
    docker(docker_env, "build", "-t", f"{name}:2", "-f", str(outside), str(tmp_path))
    copied = docker(docker_env, "run", "--rm", f"{name}:2", "cat", "/copied.txt")
    assert copied.stdout == "context file\n"
    docker(docker_env, "rmi", f"{name}:2")
    (tmp_path / "Dockerfile").write_text(f"FROM {busybox}\nRUN exit 3\n")
    failed = docker(docker_env, "build", str(tmp_path), check=False)
    assert failed.returncode == 3
    assert "The command '/bin/sh -c exit 3' returned a non-zero code: 3" in failed.stderr
    docker(docker_env, "rmi", f"{name}:1")


def test_build_refuses_dockerfile_outside_context(docker_env, tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM scratch\n")
    r = subprocess.run(
        ["curl", "-s", "--unix-socket", os.environ["DOCKER_HOST"][len("unix://"):], "-X", "POST",
         "-H", "Content-Type: application/x-tar", "--data-binary", "@-",
         "http://d/v1.41/build?dockerfile=../../etc/passwd"],
        input=subprocess.run(["tar", "-C", str(ctx), "-c", "."], capture_output=True).stdout,
        capture_output=True, timeout=60)
    assert b"must be within the build context" in r.stdout


def test_commit_after_rm_etc_passwd(docker_env, busybox, name):
    docker(docker_env, "run", "--name", name, busybox, "rm", "/etc/passwd")
    try:
        commit = docker(docker_env, "commit", name, f"{name}-img:v1")
        assert commit.stdout.startswith("sha256:")
        cat = docker(docker_env, "run", "--name", name + "-cat", f"{name}-img:v1", "cat", "/etc/passwd", check=False)
        assert cat.returncode == 1
        assert "No such file or directory" in cat.stderr
        # The image below is unchanged.
        docker(docker_env, "run", "--name", name + "-orig", busybox, "cat", "/etc/passwd")
        history = docker(docker_env, "history", "-q", "--no-trunc", f"{name}-img:v1").stdout.split()
        assert history[0] == commit.stdout.strip()
    finally:
        docker(docker_env, "rm", "-f", name, name + "-cat", name + "-orig", check=False)
        docker(docker_env, "rmi", f"{name}-img:v1", check=False)


def test_save_load(docker_env, busybox, name, tmp_path):
    docker(docker_env, "pull", busybox)
    docker(docker_env, "tag", busybox, f"{name}:saved")
    archive = tmp_path / "saved.tar"
    docker(docker_env, "save", "-o", str(archive), f"{name}:saved")
    assert archive.stat().st_size > 100_000
    docker(docker_env, "rmi", f"{name}:saved")
    loaded = docker(docker_env, "load", "-i", str(archive))
    assert f"Loaded image: {name}:saved" in loaded.stdout
    inspect = docker(docker_env, "image", "inspect", "--format", "{{.Os}}", f"{name}:saved")
    assert inspect.stdout == "linux\n"
    docker(docker_env, "rmi", f"{name}:saved")


def test_search_and_push(docker_env, busybox, registry, name):
    search = docker(docker_env, "search", f"{registry}/busybox")
    assert "library/busybox" in search.stdout
    docker(docker_env, "pull", busybox)
    target = f"{registry}/{name}/pushed:1"
    docker(docker_env, "tag", busybox, target)
    push = docker(docker_env, "push", target)
    assert f"The push refers to repository [{registry}/{name}/pushed]" in push.stdout
    assert "1: digest: sha256:" in push.stdout
    docker(docker_env, "rmi", target)
    pull = docker(docker_env, "pull", target)
    assert "Digest: sha256:" in pull.stdout
    docker(docker_env, "rmi", target)


def test_volumes(docker_env, name):
    assert docker(docker_env, "volume", "create", "--label", "team=a", name).stdout == name + "\n"
    assert name in docker(docker_env, "volume", "ls", "-q").stdout
    assert name in docker(docker_env, "volume", "ls", "-q", "--filter", "label=team=a").stdout
    inspect = docker(docker_env, "volume", "inspect", "--format", "{{.Name}} {{.Driver}} {{.Labels}}", name)
    assert inspect.stdout == f"{name} local map[team:a]\n"
    assert docker(docker_env, "volume", "rm", name).stdout == name + "\n"
    missing = docker(docker_env, "volume", "inspect", name, check=False)
    assert missing.returncode == 1
    docker(docker_env, "volume", "create", name + "-p")
    pruned = docker(docker_env, "volume", "prune", "-a", "-f")
    assert name + "-p" in pruned.stdout


def test_networks(docker_env):
    ls = docker(docker_env, "network", "ls", "--format", "{{.Name}} {{.Driver}}").stdout.split("\n")
    assert {"bridge bridge", "host host", "none null"} <= set(ls)
    bridge = docker(docker_env, "network", "inspect", "--format", "{{.Name}} {{.Scope}}", "bridge")
    assert bridge.stdout == "bridge local\n"
    assert docker(docker_env, "network", "inspect", "nosuchnet", check=False).returncode == 1
