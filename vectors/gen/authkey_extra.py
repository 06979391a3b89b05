#!/usr/bin/env python3
"""Extra authkey vectors: edge cases the shared file names but does not carry.

Writes ../authkey_extra.json (scheme "authkey", the same ops and encoding as authkey.json).
Expected values come from an independent Python statement of the formulas below, run on
CPython (math.log and hashlib), NOT from mtpylon itself (no network here to install it):

- AuthKey: key_bytes = value.to_bytes(256, 'big') (OverflowError -> negative_value /
  value_too_large); h = sha1(key_bytes); id = int(h[12:20] big-endian); aux = int(h[0:8]).
- mtpylon quirks: the key is sliced from value.to_bytes(n, 'big') with
  n = 1 if value == 0 else int(math.log(value, 256)) + 1 (a short n raises OverflowError ->
  value_too_large); msg_key = sha256(dump[88:120] + data)[8:24];
  key/iv = spec KDF over dump[x:x+36] and dump[40+x:76+x], x = 8 for 'server', 0 for 'client'.
- The spec values next to them use the 256-byte key.
- Manager: a dict id -> key; set_key(int) wraps the value; has/get/del_key(int) use it as id.

Run: python3 vectors/gen/authkey_extra.py
"""
import hashlib
import json
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "crates", "authkey", "vectors", "authkey_extra.json")


def int_hex(v):
    return ("-" + format(-v, "x")) if v < 0 else format(v, "x")


def key_bytes(v):
    if v < 0:
        raise ValueError("negative_value")
    if v >= 1 << 2048:
        raise ValueError("value_too_large")
    return v.to_bytes(256, "big")


def minimal_dump(v):
    n = 1 if v == 0 else int(math.log(v, 256)) + 1
    try:
        return v.to_bytes(n, "big")
    except OverflowError:
        raise ValueError("value_too_large")


def kdf(a_part, b_part, msg_key):
    a = hashlib.sha256(msg_key + a_part).digest()
    b = hashlib.sha256(b_part + msg_key).digest()
    return a[:8] + b[8:24] + a[24:32], b[:8] + a[8:24] + b[24:32]


def ids(v):
    h = hashlib.sha1(key_bytes(v)).digest()
    return h, int.from_bytes(h[12:20], "big"), int.from_bytes(h[0:8], "big")


def auth_key_case(name, v):
    case = {"name": name, "op": "auth_key", "input": {"value": int_hex(v)}}
    try:
        h, kid, aux = ids(v)
    except ValueError as e:
        case["expect"] = {"error": str(e)}
        return case
    le = int.from_bytes(h[12:20], "little")
    case["expect"] = {
        "key_bytes": key_bytes(v).hex(),
        "hash": h.hex(),
        "id": format(kid, "016x"),
        "aux_hash": format(aux, "016x"),
        "id_u64": str(kid),
        "aux_hash_u64": str(aux),
        "le_key_id_u64": str(le),
        "le_key_id_i64": str(le - (1 << 64) if le >= 1 << 63 else le),
        "le_aux_hash_u64": str(int.from_bytes(h[0:8], "little")),
    }
    return case


def get_msg_key_case(name, v, data):
    case = {"name": name, "op": "mtpylon_get_msg_key", "input": {"value": int_hex(v), "data": data.hex()}}
    try:
        dump = minimal_dump(v)
    except ValueError as e:
        case["expect"] = {"error": str(e)}
        return case
    k = key_bytes(v)
    case["expect"] = {
        "msg_key": hashlib.sha256(dump[88:120] + data).digest()[8:24].hex(),
        "spec_msg_key_x0": hashlib.sha256(k[88:120] + data).digest()[8:24].hex(),
        "spec_msg_key_x8": hashlib.sha256(k[96:128] + data).digest()[8:24].hex(),
    }
    return case


def generate_key_iv_case(name, v, msg_key, key_type):
    case = {
        "name": name,
        "op": "mtpylon_generate_key_iv",
        "input": {"value": int_hex(v), "msg_key": msg_key.hex(), "key_type": key_type},
    }
    x = 8 if key_type == "server" else 0
    try:
        dump = minimal_dump(v)
    except ValueError as e:
        case["expect"] = {"error": str(e)}
        return case
    k = key_bytes(v)
    key, iv = kdf(dump[x:x + 36], dump[40 + x:76 + x], msg_key)
    skey, siv = kdf(k[x:x + 36], k[40 + x:76 + x], msg_key)
    case["expect"] = {"key": key.hex(), "iv": iv.hex(), "spec_aes_key": skey.hex(), "spec_aes_iv": siv.hex()}
    return case


def manager_case(name, steps):
    store = {}
    out = []
    for call, kind, v in steps:
        try:
            if call == "set_key":
                _, kid, _ = ids(v)
                store[kid] = v
                out.append({"result": None})
            elif call == "has_key":
                kid = ids(v)[1] if kind == "auth_key" else v
                out.append({"result": kid in store})
            elif call == "get_key":
                if kind == "auth_key":
                    ids(v)  # hashing the AuthKey can raise; it never equals an int id
                    raise KeyError
                kv = store[v]
                out.append({"result": {"value": int_hex(kv), "id": format(v, "016x")}})
            elif call == "del_key":
                kid = ids(v)[1] if kind == "auth_key" else v
                del store[kid]
                out.append({"result": None})
        except KeyError:
            out.append({"error": "auth_key_does_not_exist"})
        except ValueError as e:
            out.append({"error": str(e)})
    return {
        "name": name,
        "op": "manager",
        "input": {"steps": [{"call": c, "arg": {"kind": k, "value": int_hex(v)}} for c, k, v in steps]},
        "expect": {"steps": out, "final_ids": [format(i, "016x") for i in sorted(store)]},
    }


def main():
    rng = random.Random(20261123)
    r2048 = rng.getrandbits(2048) | (1 << 2047)
    one_zero = rng.getrandbits(2040) | (1 << 2039)
    eight_zero = rng.getrandbits(1984) | (1 << 1983)
    all_ff = (1 << 2048) - 1
    near_top = (1 << 2048) - (1 << 2004)
    cases = [
        auth_key_case("extra/auth_key/ff", 0xFF),
        auth_key_case("extra/auth_key/two_pow_64", 1 << 64),
        auth_key_case("extra/auth_key/one_leading_zero_byte", one_zero),
        auth_key_case("extra/auth_key/eight_leading_zero_bytes", eight_zero),
        auth_key_case("extra/auth_key/max_minus_one", all_ff - 1),
        auth_key_case("extra/auth_key/two_pow_4096", 1 << 4096),
        auth_key_case("extra/auth_key/negative_huge", -(1 << 3000)),
    ]
    data = bytes(rng.getrandbits(8) for _ in range(64))
    for name, v in [
        ("leading_zero_key", one_zero),
        ("all_ff_key", all_ff),
        ("near_top_key", near_top),
        ("two_pow_2040_minus_1", (1 << 2040) - 1),
        ("small_key", 0x32234234),
        ("zero_key", 0),
        ("random_key", r2048),
    ]:
        cases.append(get_msg_key_case("extra/mtpylon/get_msg_key_" + name, v, data))
    msg_key = bytes(rng.getrandbits(8) for _ in range(16))
    for name, v in [("all_ff_key", all_ff), ("leading_zero_key", one_zero), ("small_key", 0x1234), ("random_key", r2048)]:
        for kt in ("server", "client"):
            cases.append(generate_key_iv_case(f"extra/mtpylon/generate_key_iv_{name}_{kt}", v, msg_key, kt))
    k1 = ids(r2048)[1]
    le_k1 = int.from_bytes(k1.to_bytes(8, "big"), "little")
    cases.append(manager_case("extra/manager/lookup_by_le_id_fails", [
        ("set_key", "auth_key", r2048),
        ("has_key", "int", le_k1),
        ("get_key", "int", le_k1),
        ("del_key", "int", le_k1),
        ("has_key", "int", k1),
        ("has_key", "int", (1 << 64) + k1),
        ("get_key", "int", (1 << 64) + k1),
        ("del_key", "int", -k1),
        ("has_key", "int", -1),
        ("get_key", "auth_key", r2048),
        ("get_key", "auth_key", -3),
        ("del_key", "int", k1),
        ("del_key", "int", k1),
        ("set_key", "int", 0),
        ("has_key", "auth_key", 0),
    ]))
    doc = {
        "scheme": "authkey",
        "generated_by": "vectors/gen/authkey_extra.py: an independent Python statement of mtpylon 0.0.3's AuthKey, AuthKeyManager, bytes_needed/get_msg_key/generate_key_iv formulas (CPython math.log + hashlib); not mtpylon itself",
        "encoding_notes": "Same encoding as authkey.json (see its encoding_notes).",
        "cases": cases,
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases -> {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
