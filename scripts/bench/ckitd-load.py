#!/usr/bin/env python3
"""Docker Engine API clients for scripts/bench/ckitd.sh, over a unix socket, the same for ckitd and dockerd.

  ckitd-load.py create SOCK IMAGE N [running]  N containers (8 in flight): `true`, created only; with `running`,
                                                `sleep 3600` started (network none)
  ckitd-load.py remove SOCK                     removes every container (force, 8 in flight)
  ckitd-load.py load SOCK IMAGE SECONDS CLIENTS CLIENTS clients for SECONDS: 80% create/start/wait/remove loops,
                                                10% `logs -f` streams, 10% `stats` streams, while another
                                                process times `GET /_ping` every 20 ms; prints one JSON line
  ckitd-load.py ping SOCK SECONDS               (that process)
  ckitd-load.py compare LABEL N HOST_A HOST_B CMD...  runs CMD (the docker CLI) N times with DOCKER_HOST=HOST_A
                                                and HOST_B in turn (interleaved, so load changes hit both), after
                                                one warm-up each; prints medians and the ratio A/B
  ckitd-load.py get LABEL N SOCK_A SOCK_B PATH  the same for one API request over a kept connection: the
                                                servers' own time, without the CLI's
  ckitd-load.py replay SOCK SOURCE PATH         serves on SOCK, at once, the answer SOURCE gave to GET PATH
                                                (and /_ping): the CLI's own time with that answer, no server's

Every request is checked: any status other than the one Docker documents, a refused or cut connection or a stream
that ends early counts as an error. API version 1.41: the newest dockerd 20.10 serves.
"""
import http.client
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

API = "/v1.41"


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=120):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class APIError(Exception):
    pass


def call(conn, method, path, body=None, expect=(200, 201, 204)):
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, API + path, body=data, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    if response.status not in expect:
        raise APIError("%s %s: %d %s" % (method, path, response.status, payload[:200]))
    return json.loads(payload) if payload.startswith((b"{", b"[")) else payload


def create(conn, image, cmd):
    spec = {"Image": image, "Cmd": cmd, "HostConfig": {"NetworkMode": "none"}}
    return call(conn, "POST", "/containers/create", spec)["Id"]


def remove(conn, cid):
    call(conn, "DELETE", "/containers/%s?force=1" % cid, expect=(204, 404))


def each(sock, items, work, parallel=8):
    local = threading.local()

    def run(item):
        if not hasattr(local, "conn"):
            local.conn = UnixConnection(sock)
        return work(local.conn, item)

    with ThreadPoolExecutor(parallel) as pool:
        return list(pool.map(run, items))


def cmd_create(sock, image, n, running=None):
    def one(conn, _):
        cid = create(conn, image, ["sleep", "3600"] if running else ["true"])
        if running:
            call(conn, "POST", "/containers/%s/start" % cid)

    t = time.monotonic()
    each(sock, range(int(n)), one)
    print("%d containers %s in %.1f s" % (int(n), "running" if running else "created", time.monotonic() - t))


def cmd_remove(sock):
    ids = [c["Id"] for c in call(UnixConnection(sock), "GET", "/containers/json?all=1")]
    each(sock, ids, remove)


def cmd_ping(sock, seconds):
    latencies, errors = [], 0
    conn = UnixConnection(sock, timeout=10)
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        t = time.perf_counter()
        try:
            call(conn, "GET", "/_ping")
            latencies.append((time.perf_counter() - t) * 1000)
        except Exception:
            errors += 1
            conn.close()
            conn = UnixConnection(sock, timeout=10)
        time.sleep(0.02)
    latencies.sort()
    print(json.dumps({"pings": len(latencies), "ping_errors": errors,
                      "p50_ms": round(statistics.median(latencies), 2),
                      "p99_ms": round(latencies[len(latencies) * 99 // 100], 2), "max_ms": round(latencies[-1], 2)}))


def cmd_load(sock, image, seconds, clients):
    seconds, clients = float(seconds), int(clients)
    streams = max(1, clients // 10)
    stop = threading.Event()
    lock = threading.Lock()
    counts = {"cycles": 0, "log_lines": 0, "stats": 0}
    errors = []
    open_streams = []

    def error(e):
        with lock:
            errors.append(str(e)[:300])

    def count(key, n=1):
        with lock:
            counts[key] += n

    def life_loop():
        conn = UnixConnection(sock)
        while not stop.is_set():
            try:
                cid = create(conn, image, ["true"])
                call(conn, "POST", "/containers/%s/start" % cid)
                status = call(conn, "POST", "/containers/%s/wait" % cid)
                if status.get("StatusCode") != 0:
                    raise APIError("wait: %s" % status)
                call(conn, "DELETE", "/containers/%s" % cid)
                count("cycles")
            except Exception as e:
                error(e)
                conn.close()
                conn = UnixConnection(sock)
                time.sleep(0.1)

    def stream_loop(kind):
        conn = UnixConnection(sock)
        cid = None
        try:
            script = "while true; do echo tick; sleep 0.2; done" if kind == "logs" else "sleep 3600"
            cid = create(conn, image, ["sh", "-c", script])
            call(conn, "POST", "/containers/%s/start" % cid)
            path = ("/containers/%s/logs?follow=1&stdout=1&stderr=1" if kind == "logs"
                    else "/containers/%s/stats?stream=1") % cid
            stream = UnixConnection(sock)
            stream.request("GET", API + path)
            response = stream.getresponse()
            if response.status != 200:
                raise APIError("%s: %d" % (path, response.status))
            with lock:
                open_streams.append(stream)
            while True:
                line = response.readline() if kind == "stats" else response.read1(65536)
                if not line:
                    break
                count("stats" if kind == "stats" else "log_lines", 1 if kind == "stats" else line.count(b"tick"))
            if not stop.is_set():
                raise APIError("%s ended before the load did" % path)
        except Exception as e:
            if not stop.is_set():
                error(e)
        finally:
            if cid:
                try:
                    remove(UnixConnection(sock), cid)
                except Exception as e:
                    error(e)

    pinger = subprocess.Popen([sys.executable, __file__, "ping", sock, str(seconds)], stdout=subprocess.PIPE)
    threads = [threading.Thread(target=stream_loop, args=("logs",)) for _ in range(streams)]
    threads += [threading.Thread(target=stream_loop, args=("stats",)) for _ in range(streams)]
    threads += [threading.Thread(target=life_loop) for _ in range(clients - 2 * streams)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    with lock:
        for stream in open_streams:
            try:
                stream.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
    for t in threads:
        t.join()
    result = json.loads(pinger.communicate()[0])
    result.update(counts)
    result["errors"] = len(errors)
    result["first_errors"] = errors[:3]
    print(json.dumps(result))


def interleaved(label, n, targets, run):
    """run(target) may return the CPU milliseconds it cost (the CLI's, for `compare`), printed beside the times."""
    samples = {t: [] for t in targets}
    cpu = {t: [] for t in targets}
    for i in range(int(n) + 1):
        for target in targets:
            t = time.perf_counter()
            used = run(target)
            if i > 0:
                samples[target].append((time.perf_counter() - t) * 1000)
                if used is not None:
                    cpu[target].append(used)
    a, b = (sorted(samples[t]) for t in targets)
    ma, mb = statistics.median(a), statistics.median(b)
    cpus = ""
    if all(cpu.values()):
        cpus = "; CLI CPU (user+sys) median %.1f / %.1f ms" % tuple(statistics.median(cpu[t]) for t in targets)
    print("%s (n=%s): ckitd median %.1f ms (p90 %.1f), dockerd %.1f ms (p90 %.1f): %.3fx%s"
          % (label, n, ma, a[len(a) * 9 // 10], mb, b[len(b) * 9 // 10], ma / mb, cpus))


def cmd_compare(label, n, host_a, host_b, *cmd):
    def run(host):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, env=dict(os.environ, DOCKER_HOST=host), check=True, stdout=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000

    interleaved(label, n, (host_a, host_b), run)


def cmd_replay(sock, source, path):
    """Serves, on `sock`, `/_ping` and, for any other request, the answer `source` (a daemon's socket) gave to
    GET `path`, at once: `docker ps -a` against it costs the CLI's own time with that daemon's answer, nothing of
    a server's. Runs until killed."""
    conn = UnixConnection(source)
    conn.request("GET", API + path)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise APIError("GET %s: %d" % (path, response.status))
    head = b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nOstype: linux\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
    ping = head % (b"text/plain", 2) + b"OK"
    answer = head % (b"application/json", len(body)) + body
    if os.path.exists(sock):
        os.unlink(sock)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(sock)
    server.listen(16)
    while True:
        client, _ = server.accept()
        pending = b""
        while True:
            while b"\r\n\r\n" not in pending:
                data = client.recv(65536)
                if not data:
                    break
                pending += data
            if b"\r\n\r\n" not in pending:
                break
            request, pending = pending.split(b"\r\n\r\n", 1)
            line = request.split(b"\r\n")[0]
            if line.startswith(b"HEAD /_ping"):
                client.sendall(ping[:ping.index(b"\r\n\r\n") + 4])
            else:
                client.sendall(ping if b"/_ping" in line else answer)
        client.close()


def cmd_get(label, n, sock_a, sock_b, path):
    connections = {sock: UnixConnection(sock) for sock in (sock_a, sock_b)}

    def fetch(sock):  # the body read whole, not decoded: the client's cost stays small beside the server's
        connections[sock].request("GET", API + path)
        response = connections[sock].getresponse()
        body = response.read()
        if response.status != 200:
            raise APIError("GET %s: %d %s" % (path, response.status, body[:200]))

    interleaved(label, n, (sock_a, sock_b), fetch)


if __name__ == "__main__":
    {"compare": cmd_compare, "get": cmd_get, "replay": cmd_replay, "create": cmd_create, "remove": cmd_remove, "load": cmd_load, "ping": cmd_ping}[sys.argv[1]](*sys.argv[2:])
