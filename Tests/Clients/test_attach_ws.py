"""GET /containers/{id}/attach/ws, the websocket attach, as dockerd serves it: RFC 6455 over the upgraded connection
(websocket-client over ckitd's unix socket), stdin in, the output out unmultiplexed, in binary frames (text ones
before API 1.28), with the logs/stream/stdin/stdout/stderr query parameters (all streams attached before 1.42)."""

import os
import socket
import subprocess

import pytest
import websocket


def connect(target):
    """A websocket to ckitd's `target` (path and query) over its unix socket."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(os.environ["DOCKER_HOST"][len("unix://"):])
    return websocket.create_connection("ws://localhost" + target, socket=sock, timeout=60)


def frames(ws, until=None):
    """The data frames (opcode, bytes) until the server's close frame, or until `until(all bytes)` holds."""
    out = []
    while True:
        try:
            opcode, data = ws.recv_data()
        except (websocket.WebSocketConnectionClosedException, BrokenPipeError, ConnectionResetError):
            # websocket-client answers the server's close frame with its own; once the client has sent its close
            # first, the server may already have closed the connection (RFC 6455 7.1.1), and that answer fails.
            break
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            break
        out.append((opcode, data))
        if until and until(b"".join(d for _, d in out)):
            break
    return out


def joined(out):
    return b"".join(data for _, data in out)


@pytest.fixture
def container(client, busybox, name):
    made = []

    def make(command, **options):
        c = client.containers.create(busybox, command, name=f"{name}-{len(made)}", **options)
        made.append(c)
        return c

    yield make
    for c in made:
        c.remove(force=True)


def test_stdin_and_stdout_in_binary_frames(container):
    c = container("cat", stdin_open=True)
    c.start()
    ws = connect(f"/v1.47/containers/{c.id}/attach/ws?stream=1&stdin=1&stdout=1&stderr=1")
    ws.send_binary(b"through the websocket\n")
    out = frames(ws, until=lambda b: b"through the websocket\n" in b)
    assert joined(out) == b"through the websocket\n"
    assert {opcode for opcode, _ in out} == {websocket.ABNF.OPCODE_BINARY}
    ws.close()
    c.reload()
    assert c.status == "running"


def test_logs_unmultiplexed_and_streams_chosen(container):
    c = container(["sh", "-c", "echo out; echo err >&2"])
    c.start()
    assert c.wait(timeout=60)["StatusCode"] == 0
    both = connect(f"/v1.47/containers/{c.id}/attach/ws?logs=1&stdout=1&stderr=1")
    data = joined(frames(both))
    # Never Docker's 8-byte frames: the websocket keeps the streams apart.
    assert sorted(data.splitlines()) == [b"err", b"out"]
    out_only = connect(f"/v1.47/containers/{c.id}/attach/ws?logs=1&stdout=1")
    assert joined(frames(out_only)) == b"out\n"
    # Before API 1.42 every stream is attached whatever the query says, and before 1.28 the frames are text.
    old = connect(f"/v1.27/containers/{c.id}/attach/ws?logs=1")
    old_frames = frames(old)
    assert sorted(joined(old_frames).splitlines()) == [b"err", b"out"]
    assert {opcode for opcode, _ in old_frames} == {websocket.ABNF.OPCODE_TEXT}


def test_stream_waits_for_the_start(container):
    c = container(["sh", "-c", "echo started; echo failed >&2"])
    ws = connect(f"/v1.47/containers/{c.id}/attach/ws?stream=1&stdout=1&stderr=1")
    c.start()
    data = joined(frames(ws))
    assert sorted(data.splitlines()) == [b"failed", b"started"]
    assert c.wait(timeout=60)["StatusCode"] == 0


@pytest.mark.parametrize("leave", ["close frame", "connection dropped"])
def test_leaving_closes_the_stdin_of_a_container_started_attached(container, leave):
    """A container started with the websocket attached to its stdin (create, attach, start: how a client runs one
    with `StdinOnce`): when the client leaves, by its close frame or by dropping the connection, the container's
    stdin is closed, as dockerd closes a `StdinOnce` container's, so `cat` reads its end and exits."""
    c = container("cat", stdin_open=True)
    ws = connect(f"/v1.47/containers/{c.id}/attach/ws?stream=1&stdin=1&stdout=1&stderr=1")
    c.start()
    ws.send_binary(b"before leaving\n")
    assert joined(frames(ws, until=lambda b: b"before leaving\n" in b)) == b"before leaving\n"
    if leave == "close frame":
        ws.close()
    else:
        ws.sock.shutdown(socket.SHUT_RDWR)
        ws.sock.close()
    assert c.wait(timeout=30)["StatusCode"] == 0


def test_output_after_the_close_frame_still_reaches_the_client(container):
    """The client's close frame ends its stdin, not the output: a client that sends its close and keeps reading (a
    websocket's half-close) gets what the container writes after its stdin's end, then the server's close frame,
    as from dockerd (whose websocket closes when the attach ends). Before the fix ckitd answered the close at once
    and dropped the connection, so `after eof` never arrived."""
    c = container(["sh", "-c", "cat; echo after eof"], stdin_open=True)
    ws = connect(f"/v1.47/containers/{c.id}/attach/ws?stream=1&stdin=1&stdout=1&stderr=1")
    c.start()
    ws.send_binary(b"in\n")
    assert joined(frames(ws, until=lambda b: b"in\n" in b)) == b"in\n"
    ws.send_close()
    assert joined(frames(ws)) == b"after eof\n"
    assert c.wait(timeout=30)["StatusCode"] == 0


def test_refusals(container):
    path = os.environ["DOCKER_HOST"][len("unix://"):]

    def status(target, *headers):
        args = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", path]
        for h in headers:
            args += ["-H", h]
        return subprocess.run(args + ["http://d" + target], capture_output=True, text=True, timeout=60).stdout

    assert status("/v1.47/containers/nosuch/attach/ws?stream=1") == "404"
    with pytest.raises(websocket.WebSocketBadStatusException):
        connect("/v1.47/containers/nosuch/attach/ws?stream=1")
    # No handshake (a plain GET, or a websocket version other than 13): a 400, nothing attached.
    c = container(["sleep", "60"])
    c.start()
    assert status(f"/v1.47/containers/{c.id}/attach/ws?stream=1") == "400"
    assert status(f"/v1.47/containers/{c.id}/attach/ws?stream=1", "Upgrade: websocket", "Connection: Upgrade",
                  "Sec-WebSocket-Version: 8", "Sec-WebSocket-Key: eA==") == "400"
    c.reload()
    assert c.status == "running"
