#!/usr/bin/python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/):
for every message of the catalogue a valid request (or event) body and a
valid reply body, built from `retailmesh catalog --json`; envelopes of each
kind around them; and, for every gateway route that calls a service, a
valid request and a few near misses; and bulk feed files of each kind
and format (`retailmesh import`), good and with the faults the reader
names. Rerun it when the catalogue, the routes or the feed columns change:
./tests/fuzz/seeds.py ./build/bin/retailmesh
"""
import json
import os
import subprocess
import sys

import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
ORDER_ID = "0192f5a4-7c3e-7a10-8b2c-3d4e5f607182"
TIME_MS = 1764547200000


def string_for(field):
    check = field.get("check")
    if check == "currency":
        return "USD"
    if check == "uuid":
        return ORDER_ID
    if check == "identifier":
        return "SKU-1"
    return "text"


def value_for(field):
    kind = field["type"]
    if kind == "string":
        return string_for(field)
    if kind == "integer":
        low, high = field.get("min", 0), field.get("max", TIME_MS)
        return max(low, min(high, TIME_MS if "time" in field.get("constraints", "") else 1))
    if kind == "boolean":
        return True
    if kind == "map":
        return body_for(field["fields"])
    if kind == "map of string to string":
        return {"name": "Ada", "city": "Paris"}
    if kind == "array of maps":
        return [body_for(field["fields"])]
    if kind == "array of strings":
        return [string_for(field)]
    if kind == "array":
        return []
    return {}


def body_for(fields):
    return {f["name"]: value_for(f) for f in fields}


def envelope(kind, name, body):
    env = {"v": 1, "type": name, "id": ORDER_ID, "cid": "seed-cid"}
    if kind == "request":
        env.update(idem="seed-key", deadline=TIME_MS)
    elif kind == "reply":
        env.update(reply_to=ORDER_ID, ok=True)
    else:
        env.update(source=name.split(".")[0], seq=7, time=TIME_MS)
    env["body"] = body
    return msgpack.packb(env)


def write(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    with open(os.path.join(CORPUS, target, name), "wb") as out:
        out.write(data)


#  Gateway requests: (route selector, name, path values, query, body).
#  The selector is the route's place among route_table's call routes.
GATEWAY = [
    (0, "submit", [], [], {"external_id": "SF-1", "account_id": "ACME", "currency": "USD",
                           "lines": [{"sku": "SKU-A", "quantity": 2, "unit_price": 1999}],
                           "ship_to": {"name": "Ada", "city": "Paris"}}),
    (0, "submit-huge-number", [], [], '{"external_id":"SF-1","account_id":"A","currency":"USD",'
                                      '"lines":[{"sku":"S","quantity":1e400,"unit_price":123456789012345678901234}]}'),
    (0, "submit-malformed", [], [], '{"external_id": "SF-1", "lines": [1, 2'),
    (1, "find", [], ["channel=salesforce", "external_id=SF-1"], None),
    (2, "get", [ORDER_ID], [], None),
    (3, "cancel", [ORDER_ID], [], {"reason": "customer asked"}),
    (3, "cancel-no-body", [ORDER_ID], [], None),
    (4, "history", [ORDER_ID], [], None),
    (5, "quote", [], [], {"currency": "EUR", "lines": [{"sku": "SKU-A", "quantity": 3}]}),
    (6, "set-price", ["USD", "SKU-A"], [], {"unit_price": 1999}),
    (6, "set-price-in-body", ["USD", "SKU-A"], [], {"unit_price": -1, "sku": "SKU-B"}),
    (7, "availability", [], ["sku=SKU-A", "sku=SKU-B"], None),
    (8, "set-stock", ["WH-1", "SKU-A"], [], {"on_hand": 40}),
    (38, "return", [], [], {"order_id": ORDER_ID, "return_location": "STORE-1", "requested_by": "clerk 7",
                            "lines": [{"sku": "SKU-A", "quantity": 1, "reason": "damaged"},
                                      {"sku": "SKU-B", "quantity": 2, "reason": "no_longer_needed"}]}),
    (38, "return-by-external-id", [], [], {"channel": "web", "external_id": "SF-1", "return_location": "STORE-1",
                                           "lines": [{"sku": "SKU-A", "quantity": 0, "reason": "bored"}]}),
    (39, "get-return", ["RET-1"], [], None),
    (40, "receive-return", ["RET-1"], [], {"receipt_id": "R-1", "location": "STORE-1",
                                           "lines": [{"sku": "SKU-A", "quantity": 1, "condition": "damaged"}]}),
    (41, "cancel-return", ["RET-1"], [], {"reason": "customer changed their mind"}),
    (41, "cancel-return-no-body", ["RET-1"], [], None),
    (42, "order-returns", [ORDER_ID], [], None),
    (43, "credit-memos", [ORDER_ID], [], None),
]


#  Feed files: (name, first byte: bit 0 stock, bit 1 JSON lines, text).
FEEDS = [
    ("prices-csv", 0, "\ufeffcurrency,sku,unit_price,book_id,valid_from,valid_to,tiers\r\n"
                      "EUR,SKU-A,1999,retail,2026-12-01T00:00:00Z,1798761600000,10:1899;100:1799\r\n"
                      "USD,\"SKU \"\"B\"\"\",12.50,,,,\r\n\r\n"
                      "EUR,SKU-C,\"5\n0\",,,,\nEUR,SKU-D\n\"EUR,SKU-E,1\n"),
    ("prices-header", 0, "sku,price,sku\nA,1,2\n"),
    ("stock-csv", 1, "movement_id,type,sku,location,to_location,quantity,reason,occurred_at\n"
                     "M-1,receipt,SKU-A,WH-1,,40,delivery,2026-12-01T08:00:00Z\n"
                     ",transfer,SKU-A,WH-1,STORE-2,5,,\n"
                     ",,SKU-A,WH-1,,12,,\n"
                     ",adjustment,SKU-A,WH-1,,0,,\n"
                     ",count,SKU-A,WH-1,,-3,,\n"
                     "x,\"a\"b,SKU,L,,1,,\n"),
    ("stock-minimal", 1, "sku,location,quantity\nA,W,1\nB,W,99999999999999999999\nC,W,1.5"),
    ("prices-jsonl", 2, '{"currency":"EUR","sku":"A","unit_price":100,"tiers":"5:90;50:80"}\r\n'
                        '{"currency":"EUR","sku":"B","unit_price":1.5}\n\n'
                        '{"currency":"EUR","sku":"C","unit_price":1,"tiers":[{"min_quantity":2,"unit_price":1}]}\n'
                        '{"currency":"EUR",\n[1]\n'),
    ("stock-jsonl", 3, '{"sku":"A","location":"W","quantity":1}\n'
                       '{"sku":"A","location":"W","quantity":3,"type":"transfer","to_location":"V"}\n'
                       '{"sku":"A","location":"W","quantity":2,"extra":true,"sku":"B"}\n'
                       '{"sku":"A","location":"W","quantity":1,"occurred_at":"not a time"}\n'),
]


def write_feeds():
    for name, selector, text in FEEDS:
        write("feed", name, bytes([selector]) + text.encode())


def gateway_input(selector, path, query, body):
    head = bytes([selector]) + "".join(v + "\n" for v in path + query).encode() + b"\n"
    if body is None:
        return head
    return head + (body if isinstance(body, str) else json.dumps(body)).encode()


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "build", "bin", "retailmesh")
    catalog = json.loads(subprocess.run([binary, "catalog", "--json"], check=True,
                                        capture_output=True, text=True).stdout)
    for message in catalog:
        name = message["name"]
        body = body_for(message.get("request", message.get("body")) or [])
        write("catalog", name, name.encode() + b"\n" + msgpack.packb(body))
        write("envelope", name, envelope("request" if message["kind"] == "operation" else "event", name, body))
        if message.get("reply"):
            reply = body_for(message["reply"])
            write("catalog", name + ".reply", name.encode() + b":reply\n" + msgpack.packb(reply))
            write("envelope", name + ".reply", envelope("reply", name, reply))
    for selector, name, path, query, body in GATEWAY:
        write("gateway", name, gateway_input(selector, path, query, body))
    write_feeds()


if __name__ == "__main__":
    main()
