#!/usr/bin/python3
"""compose/docker-compose.yml against the topology table (`retailmesh
topology`): every row is a compose service and every compose service a row,
each binds the ports of its row, is told the endpoints of exactly the
services it calls and consumes (by their compose host names), waits for the
services it calls, and the gateway listens on its row's HTTP port. Each
service mounts only its own keys volume, which `retailmesh keys init --split`
fills with its own key pair and the public keys it needs (checked by running
it), and its health check uses its own key."""

import os
import re
import subprocess
import sys
import tempfile

import yaml

KEYS_SERVICE = "keys"
KEYS_VOLUME = "keys"
KEYS_DIR = "/var/lib/retailmesh-keys"
SPLIT_DIR = "/var/lib/retailmesh-split"

passed = 0
failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}", file=sys.stderr)


def port(endpoint):
    return int(endpoint.rsplit(":", 1)[1])


def env_name(service, suffix):
    return "RETAILMESH_" + service.upper() + suffix


def topology(bin_dir):
    out = subprocess.run([os.path.join(bin_dir, "retailmesh"), "topology", "--var-dir", "/nonexistent"],
                         check=True, capture_output=True, text=True, timeout=30).stdout
    rows = {}
    for line in out.splitlines():
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        name, rpc, pub, calls, consumes, http = fields
        none = lambda v: None if v == "-" else v
        rows[name] = {"rpc": none(rpc), "pub": none(pub),
                      "calls": [] if calls == "-" else calls.split(","),
                      "consumes": [] if consumes == "-" else consumes.split(","),
                      "http": None if http == "-" else int(http)}
    return rows


def needed_keys(rows, name):
    """The key files the service name must find in its keys directory."""
    row = rows[name]
    public = {name, "operator"} | set(row["calls"]) | set(row["consumes"])
    public |= {other for other, r in rows.items() if name in r["calls"] or name in r["consumes"]}
    return {f"{n}.cert" for n in public} | {f"{name}.cert_secret"}


def check_split(bin_dir, rows):
    """keys init --split writes for each service exactly the keys it needs."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([os.path.join(bin_dir, "retailmesh"), "keys", "init", "--var-dir", "/nonexistent",
                        "--keys-dir", os.path.join(tmp, "all"), "--split", os.path.join(tmp, "split")],
                       check=True, capture_output=True, text=True, timeout=30)
        for name in rows:
            got = set(os.listdir(os.path.join(tmp, "split", name)))
            check(f"{name} keys split", got == needed_keys(rows, name), f"{sorted(got)} vs {sorted(needed_keys(rows, name))}")


def main():
    bin_dir = os.environ["RETAILMESH_BIN_DIR"]
    source = os.environ["RETAILMESH_SOURCE_DIR"]
    rows = topology(bin_dir)
    check("topology has rows", len(rows) >= 4, str(rows))
    with open(os.path.join(source, "compose", "docker-compose.yml")) as f:
        compose = yaml.safe_load(f)
    services = dict(compose["services"])
    keys = services.pop(KEYS_SERVICE, {})
    command = keys.get("command", [])
    split = command[command.index("--split") + 1:][:1] if "--split" in command else []
    check("keys service", command[:3] == ["retailmesh", "keys", "init"] and split == [SPLIT_DIR], str(keys))
    check("keys restart", keys.get("restart") == "no", str(keys))
    check("keys volume", KEYS_VOLUME in compose.get("volumes", {}), "")
    check("same services", set(services) == set(rows), f"{sorted(services)} vs {sorted(rows)}")
    # the one-shot writes every service's volume; the whole set stays on its own
    want_keys_volumes = {f"{KEYS_VOLUME}:{KEYS_DIR}"} | {f"{KEYS_VOLUME}-{n}:{SPLIT_DIR}/{n}" for n in rows}
    check("keys mounts", set(keys.get("volumes", [])) == want_keys_volumes,
          f"{sorted(keys.get('volumes', []))} vs {sorted(want_keys_volumes)}")
    with open(os.path.join(source, "compose", "Dockerfile")) as f:
        dockerfile = f.read()
    for name in rows:
        check(f"{name} keys volume", f"{KEYS_VOLUME}-{name}" in compose.get("volumes", {}), "")
        # a named volume takes the owner of the image's directory it is mounted on
        check(f"image has {SPLIT_DIR}/{name}", f"{SPLIT_DIR}/{name}" in dockerfile, "")
    check_split(bin_dir, rows)

    for name, row in rows.items():
        svc = services.get(name)
        if svc is None:
            continue
        env = {k: str(v) for k, v in svc.get("environment", {}).items()}
        check(f"{name} command", svc.get("command") == [name], str(svc.get("command")))
        health = " ".join(svc.get("healthcheck", {}).get("test", []))
        told = {k for k in env if re.fullmatch(r"RETAILMESH_[A-Z0-9_]+_ENDPOINT", k)
                and k not in ("RETAILMESH_RPC_ENDPOINT", "RETAILMESH_PUB_ENDPOINT")}
        want = set()
        for peer in row["calls"] + row["consumes"]:
            key = env_name(peer, "_ENDPOINT")
            want.add(key)
            check(f"{name} -> {peer}", env.get(key) == f"tcp://{peer}:{port(rows[peer]['rpc'])}",
                  f"{key}={env.get(key)}")
        for source_name in row["consumes"]:
            key = env_name(source_name, "_PUB_ENDPOINT")
            want.add(key)
            check(f"{name} consumes {source_name}",
                  env.get(key) == f"tcp://{source_name}:{port(rows[source_name]['pub'])}",
                  f"{key}={env.get(key)}")
        check(f"{name} is told exactly its peers", told == want, f"{sorted(told)} vs {sorted(want)}")
        depends = dict(svc.get("depends_on", {}))
        check(f"{name} waits for its keys",
              depends.pop(KEYS_SERVICE, {}).get("condition") == "service_completed_successfully", "")
        keys_mounts = [v for v in svc.get("volumes", []) if v.startswith(KEYS_VOLUME)]
        check(f"{name} reads only its own keys", env.get("RETAILMESH_KEYS_DIR") == KEYS_DIR
              and keys_mounts == [f"{KEYS_VOLUME}-{name}:{KEYS_DIR}:ro"], str(svc.get("volumes")))
        check(f"{name} commands use its key", env.get("RETAILMESH_KEY_NAME") == name, env.get("RETAILMESH_KEY_NAME"))
        depends = set(depends)
        check(f"{name} waits for what it calls", depends == set(row["calls"]),
              f"{sorted(depends)} vs {row['calls']}")
        if row["rpc"]:
            rpc, pub = port(row["rpc"]), port(row["pub"])
            check(f"{name} rpc", env.get("RETAILMESH_RPC_ENDPOINT") == f"tcp://0.0.0.0:{rpc}",
                  env.get("RETAILMESH_RPC_ENDPOINT"))
            check(f"{name} pub", env.get("RETAILMESH_PUB_ENDPOINT") == f"tcp://0.0.0.0:{pub}",
                  env.get("RETAILMESH_PUB_ENDPOINT"))
            check(f"{name} health", f"tcp://127.0.0.1:{rpc}" in health, health)
            check(f"{name} volume", f"{name}-data" in compose.get("volumes", {}), "")
        if row["http"]:
            http = row["http"]
            check(f"{name} http port", env.get("RETAILMESH_HTTP_PORT") == str(http),
                  env.get("RETAILMESH_HTTP_PORT"))
            # plain HTTP stays inside the container, for the health check;
            # HTTPS is what is published
            check(f"{name} plain http inside only", env.get("RETAILMESH_HTTP_ADDRESS") == "127.0.0.1",
                  env.get("RETAILMESH_HTTP_ADDRESS"))
            check(f"{name} health", f"http://127.0.0.1:{http}/" in health, health)
            https = env.get("RETAILMESH_HTTPS_PORT", "")
            check(f"{name} https port", https.isdigit() and https != str(http), https)
            check(f"{name} https published", any(str(p).endswith(f":{https}") for p in svc.get("ports", [])),
                  str(svc.get("ports")))
            check(f"{name} tls files", env.get("RETAILMESH_TLS_CERT_FILE", "").startswith("/")
                  and env.get("RETAILMESH_TLS_KEY_FILE", "").startswith("/"), "")

    print(f"test_compose: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
