#!/usr/bin/python3
"""The wire protocol from another language: starts the real pricing service
and talks to it with nothing but pyzmq and msgpack, as proto/README.md tells
a client to. Checks replies, error replies (unknown operation, mistyped
field, undecodable frame, passed deadline) and the published event. The
service requires CURVE: `retailmesh keys init` makes the keys, and the
client and the subscriber authenticate as the operator (pyzmq reads CZMQ's
certificate files with zmq.auth.load_certificate)."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import msgpack
import zmq
import zmq.auth

READY_TIMEOUT_S = 20
REPLY_TIMEOUT_MS = 5000
EVENT_WAIT_MS = 500
EVENT_ATTEMPTS = 10
STOP_TIMEOUT_S = 5

passed = 0
failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}", file=sys.stderr)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def uuid7():
    """48-bit Unix milliseconds, version 7, then random bits."""
    raw = bytearray((time.time_ns() // 1_000_000).to_bytes(6, "big") + os.urandom(10))
    raw[6] = 0x70 | (raw[6] & 0x0F)
    raw[8] = 0x80 | (raw[8] & 0x3F)
    return str(uuid.UUID(bytes=bytes(raw)))


def envelope(op, body, cid="wire-test", deadline=None):
    env = {"v": 1, "type": op, "id": uuid7(), "cid": cid, "body": body}
    if deadline is not None:
        env["deadline"] = deadline
    return env


def make_keys(bin_dir, tmp):
    """The mesh's keys in tmp/keys: (operator public, operator secret, pricing public)."""
    keys_dir = os.path.join(tmp, "keys")
    subprocess.run([os.path.join(bin_dir, "retailmesh"), "keys", "init", "--keys-dir", keys_dir],
                   check=True, capture_output=True, timeout=30)
    public, secret = zmq.auth.load_certificate(os.path.join(keys_dir, "operator.cert_secret"))
    server, _ = zmq.auth.load_certificate(os.path.join(keys_dir, "pricing.cert"))
    return keys_dir, (public, secret, server)


def curve_client(sock, keys):
    public, secret, server = keys
    sock.setsockopt(zmq.CURVE_PUBLICKEY, public)
    sock.setsockopt(zmq.CURVE_SECRETKEY, secret)
    sock.setsockopt(zmq.CURVE_SERVERKEY, server)


class Client:
    """A DEALER socket: sends [empty delimiter, envelope], reads the same."""

    def __init__(self, ctx, endpoint, keys):
        self.sock = ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        curve_client(self.sock, keys)
        self.sock.connect(endpoint)

    def send_raw(self, payload):
        self.sock.send_multipart([b"", payload])

    def recv(self, timeout_ms, reply_to=None):
        """The next reply (to reply_to, when given) within timeout_ms, or None."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            left = int((deadline - time.monotonic()) * 1000)
            if left <= 0 or not self.sock.poll(left, zmq.POLLIN):
                return None
            frames = self.sock.recv_multipart()
            if len(frames) != 2 or frames[0] != b"":
                raise AssertionError(f"expected [empty, envelope], got {len(frames)} frames")
            reply = msgpack.unpackb(frames[1], raw=False)
            if reply_to is None or reply.get("reply_to") == reply_to:
                return reply

    def call(self, op, body, timeout_ms=REPLY_TIMEOUT_MS, **kw):
        request = envelope(op, body, **kw)
        self.send_raw(msgpack.packb(request))
        return request, self.recv(timeout_ms, request["id"])

    def close(self):
        self.sock.close()


def wait_ready(client, proc):
    """Asks sys.health until it answers, the process dies or time runs out."""
    give_up = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < give_up and proc.poll() is None:
        _, reply = client.call("sys.health", {}, timeout_ms=500)
        if reply is not None:
            return reply
    return None


def check_error(name, reply, code, field=None):
    check(f"{name}: answered", reply is not None)
    if reply is None:
        return
    body = reply.get("body", {})
    check(f"{name}: ok is false", reply.get("ok") is False, repr(reply))
    check(f"{name}: code", body.get("code") == code, repr(body))
    check(f"{name}: message", isinstance(body.get("message"), str) and body["message"] != "", repr(body))
    if field is not None:
        check(f"{name}: field", body.get("field") == field, repr(body))


def test_set_and_quote(client):
    request, reply = client.call("pricing.set", {"currency": "EUR", "sku": "WIRE-1", "unit_price": 1250})
    check("set: answered", reply is not None and reply.get("ok") is True, repr(reply))
    if reply:
        body = reply["body"]
        check("set: body", body.get("unit_price") == 1250 and body.get("sku") == "WIRE-1"
              and body.get("currency") == "EUR" and isinstance(body.get("updated_at"), int), repr(body))

    request, reply = client.call("pricing.quote",
                                 {"currency": "EUR", "lines": [{"sku": "WIRE-1", "quantity": 3}]},
                                 cid="quote-cid")
    check("quote: answered", reply is not None and reply.get("ok") is True, repr(reply))
    if not reply:
        return
    check("quote: envelope", reply.get("v") == 1 and reply.get("type") == "pricing.quote"
          and reply.get("reply_to") == request["id"] and reply.get("cid") == "quote-cid"
          and isinstance(reply.get("id"), str) and reply["id"] != request["id"], repr(reply))
    body = reply["body"]
    line = (body.get("lines") or [{}])[0]
    check("quote: total", body.get("total") == 3750 and body.get("currency") == "EUR", repr(body))
    check("quote: line", line.get("unit_price") == 1250 and line.get("extended_price") == 3750
          and line.get("quantity") == 3 and line.get("sku") == "WIRE-1", repr(line))


def test_errors(client):
    _, reply = client.call("pricing.nope", {})
    check_error("unknown operation", reply, "invalid", "/type")

    _, reply = client.call("pricing.quote", {"currency": "EUR", "lines": [{"sku": "WIRE-1", "quantity": "3"}]})
    check_error("mistyped field", reply, "invalid", "/lines/0/quantity")

    _, reply = client.call("pricing.quote", {"currency": "EUR", "lines": [{"sku": "NOPE", "quantity": 1}]})
    check_error("unknown sku", reply, "not_found", "/lines/0/sku")

    past = time.time_ns() // 1_000_000 - 60_000
    _, reply = client.call("pricing.quote", {"currency": "EUR", "lines": [{"sku": "WIRE-1", "quantity": 1}]},
                           deadline=past)
    check_error("passed deadline", reply, "timeout", "/deadline")

    client.send_raw(b"\xc1 this is not msgpack")
    check_error("undecodable frame", client.recv(REPLY_TIMEOUT_MS), "protocol")


def await_event(sub, sku, timeout_ms):
    """The frames and envelope of the next event about sku, or None."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        left = int((deadline - time.monotonic()) * 1000)
        if left <= 0 or not sub.poll(left, zmq.POLLIN):
            return None
        frames = sub.recv_multipart()
        event = msgpack.unpackb(frames[-1], raw=False)
        if event.get("body", {}).get("sku") == sku:
            return frames, event


def test_event(client, sub):
    """PUB frames are [topic, envelope]. A subscriber joins late (ZeroMQ
    drops what is published before it is connected), so the idempotent set
    is repeated until its event arrives."""
    received = None
    for _ in range(EVENT_ATTEMPTS):
        _, reply = client.call("pricing.set", {"currency": "USD", "sku": "WIRE-2", "unit_price": 99})
        received = reply and await_event(sub, "WIRE-2", EVENT_WAIT_MS)
        if received or not reply:
            break
    check("event: received", received is not None)
    if not received:
        return
    frames, event = received
    check("event: two frames", len(frames) == 2, repr(frames))
    check("event: topic", frames[0] == b"pricing.price.changed" and event.get("type") == "pricing.price.changed",
          repr(frames[0]))
    check("event: envelope", event.get("v") == 1 and event.get("source") == "pricing"
          and isinstance(event.get("seq"), int) and isinstance(event.get("time"), int), repr(event))
    body = event["body"]
    check("event: body", body.get("unit_price") == 99 and body.get("currency") == "USD", repr(body))


def test_health(client, proc):
    _, reply = client.call("sys.health", {})
    check("health after errors", reply is not None and reply.get("ok") is True, repr(reply))
    if reply:
        body = reply["body"]
        check("health body", body.get("service") == "pricing" and body.get("pid") == proc.pid, repr(body))


def run(bin_dir, tmp):
    rpc = f"tcp://127.0.0.1:{free_port()}"
    pub = f"tcp://127.0.0.1:{free_port()}"
    log_path = os.path.join(tmp, "pricing.log")
    keys_dir, keys = make_keys(bin_dir, tmp)
    with open(log_path, "w") as log:
        proc = subprocess.Popen([os.path.join(bin_dir, "pricing"), "--data-dir", os.path.join(tmp, "data"),
                                 "--rpc-endpoint", rpc, "--pub-endpoint", pub, "--nosync",
                                 "--keys-dir", keys_dir],
                                stdout=log, stderr=subprocess.STDOUT)
    ctx = zmq.Context()
    client = Client(ctx, rpc, keys)
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    curve_client(sub, keys)
    sub.setsockopt(zmq.SUBSCRIBE, b"pricing.")
    sub.connect(pub)
    try:
        ready = wait_ready(client, proc)
        check("service ready", ready is not None and ready.get("ok") is True, repr(ready))
        if ready:
            test_set_and_quote(client)
            test_errors(client)
            test_event(client, sub)
            test_health(client, proc)
    finally:
        client.close()
        sub.close()
        ctx.term()
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if failed:
            with open(log_path) as log:
                print("--- pricing log ---\n" + log.read(), file=sys.stderr)


def main():
    bin_dir = os.environ.get("RETAILMESH_BIN_DIR", "")
    if not os.access(os.path.join(bin_dir, "pricing"), os.X_OK):
        check("pricing binary in RETAILMESH_BIN_DIR", False, repr(bin_dir))
    else:
        tmp = tempfile.mkdtemp(prefix="test_wire.")
        try:
            run(bin_dir, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"test_wire: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
