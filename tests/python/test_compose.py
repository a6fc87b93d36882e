#!/usr/bin/python3
"""compose/docker-compose.yml against the topology table (`retailmesh
topology`): every row is a compose service and every compose service a row,
each binds the ports of its row, is told the endpoints of exactly the
services it calls and consumes (by their compose host names), waits for the
services it calls, and the gateway listens on its row's HTTP port."""

import os
import re
import subprocess
import sys

import yaml

KEYS_SERVICE = "keys"
KEYS_VOLUME = "keys"
KEYS_DIR = "/var/lib/retailmesh-keys"

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


def main():
    bin_dir = os.environ["RETAILMESH_BIN_DIR"]
    source = os.environ["RETAILMESH_SOURCE_DIR"]
    rows = topology(bin_dir)
    check("topology has rows", len(rows) >= 4, str(rows))
    with open(os.path.join(source, "compose", "docker-compose.yml")) as f:
        compose = yaml.safe_load(f)
    services = dict(compose["services"])
    keys = services.pop(KEYS_SERVICE, {})
    check("keys service", keys.get("command", [])[:3] == ["retailmesh", "keys", "init"]
          and keys.get("restart") == "no" and f"{KEYS_VOLUME}:{KEYS_DIR}" in keys.get("volumes", []),
          str(keys))
    check("keys volume", KEYS_VOLUME in compose.get("volumes", {}), "")
    check("same services", set(services) == set(rows), f"{sorted(services)} vs {sorted(rows)}")

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
        check(f"{name} reads the keys", env.get("RETAILMESH_KEYS_DIR") == KEYS_DIR
              and f"{KEYS_VOLUME}:{KEYS_DIR}:ro" in svc.get("volumes", []), str(svc.get("volumes")))
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
