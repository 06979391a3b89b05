"""Writes fuzz/seeds/<target>/: a small seed corpus per fuzz target, taken from the vector
files (the inputs and outputs each scheme's vectors carry), so fuzzing starts from real values
instead of empty input. Run from the repository root: python3 fuzz/make_seeds.py

Seeds are committed; the corpus libFuzzer grows (fuzz/corpus/) is not."""

import glob
import hashlib
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "seeds")
PER_TARGET = 40


def cases(pattern):
    for path in sorted(glob.glob(os.path.join(ROOT, "crates", "*", "vectors", pattern))):
        with open(path, encoding="utf-8") as f:
            yield from json.load(f)["cases"]


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def write(target, items):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    seen = set()
    for item in items:
        data = item.encode() if isinstance(item, str) else bytes(item)
        h = hashlib.sha1(data).hexdigest()
        if h in seen or len(data) > 16 * 1024:
            continue
        seen.add(h)
        with open(os.path.join(d, h), "wb") as f:
            f.write(data)
        if len(seen) >= PER_TARGET:
            break


def hexes(pattern, *fields):
    for c in cases(pattern):
        for part in (c.get("input", {}), c.get("expect", {})):
            for k in fields:
                v = part.get(k) if isinstance(part, dict) else None
                if isinstance(v, str):
                    try:
                        yield bytes.fromhex(v)
                    except ValueError:
                        pass


def texts(pattern, *fields):
    for c in cases(pattern):
        for part in (c.get("input", {}), c.get("expect", {})):
            for k in fields:
                v = part.get(k) if isinstance(part, dict) else None
                if isinstance(v, str):
                    yield v


def handshake_seeds():
    """authkey-handshake: TL bodies of the recorded transcripts (first byte: the parser),
    transport streams, and the client messages of whole exchanges for the server (each with a
    2-byte big-endian length)."""
    parser = {"req_pq_multi": 0, "resPQ": 1, "req_DH_params": 3, "server_DH_params_ok": 4,
              "set_client_DH_params": 6, "dh_gen_ok": 8}
    tl, server, transport = [], [], []
    for c in cases("authkey-handshake.json"):
        msgs = c.get("expect", {}).get("messages") or c.get("input", {}).get("honest_prefix") or []
        bodies = [bytes.fromhex(m["packet"])[20:] for m in msgs if m.get("from") == "client"]
        for m in msgs:
            if m.get("tl") in parser:
                tl.append(bytes([parser[m["tl"]]]) + bytes.fromhex(m["packet"])[20:])
        if msgs:
            tl.append(bytes([10]) + bytes.fromhex(msgs[0]["packet"]))
        if bodies:
            server.append(b"".join(len(b).to_bytes(2, "big") + b for b in bodies))
        if c["op"] == "transport_frame":
            transport.append(bytes([0]) + bytes.fromhex(c["expect"]["stream"])[1:])
        if c["op"] == "transport_parse":
            transport.append(bytes([3]) + bytes.fromhex(c["input"]["stream"]))
    write("handshake_tl", tl)
    write("handshake_server", server)
    write("handshake_transport", transport)


def main():
    write("core_base64", texts("core.json", "text", "base64", "hex"))
    write("core_parsers", list(texts("core.json", "hex", "text", "flavour")) + ["standard", "url_safe"])
    write("authkey_decrypt", (b"\x00" + p for p in hexes("authkey*.json", "packet")))
    write("authkey_from_int", texts("authkey*.json", "value"))
    write("ninchat_signature", texts("ninchat-master*.json", "signature"))
    write("ninchat_open_metadata", list(texts("ninchat-master*.json", "value", "secure")) + list(texts("ninchat-master*.json", "plaintext_json")))
    write("ninchat_master_key", ("%s\0%s" % (k.get("id", "k"), k.get("secret", "")) for c in cases("ninchat-master*.json") for k in [c.get("input", {}).get("key", {})] if isinstance(k, dict)))
    write("hmac_auth_headers", texts("hmac-auth*.json", "signature", "token", "header"))
    write("hmac_auth_names", list(texts("hmac-auth*.json", "signature", "token")) + ["sha256", "SHA1", "md5", "blake2b"])
    write("hmac_auth_layer", (s.encode() for s in texts("hmac-auth*.json", "signature", "path")))
    write("psono_decrypt", texts("psono-client.json", "text", "ciphertext_hex", "box_hex"))
    write("psono_json", (json.dumps(c.get("input", {})) for c in cases("psono-client.json")))
    httpsig_msgs = [m[k] for c in cases("rfc9421.json") for m in [c.get("input", {}).get("message", {})]
                    for k in ("request", "response") if isinstance(m, dict) and k in m]
    write("httpsig_base", httpsig_msgs)
    fields = [line.split(": ", 1)[1] for m in httpsig_msgs for line in m.split("\n")
              if line.split(":", 1)[0] in ("Signature-Input", "Signature", "Content-Digest")]
    write("httpsig_fields", fields + list(texts("rfc9421.json", "value")))
    handshake_seeds()
    vec_files = []
    for path in sorted(glob.glob(os.path.join(ROOT, "crates", "*", "vectors", "*.json"))):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if doc["scheme"] in ("core", "authkey", "ninchat-master", "psono-client"):
            for c in doc["cases"][:10]:
                vec_files.append(json.dumps({"scheme": doc["scheme"], "cases": [c]}))
    write("vector_files", vec_files)


if __name__ == "__main__":
    main()
