"""Writes fuzz/seeds/<target>/: a small seed corpus per fuzz target, taken from the vector
files (the inputs and outputs each scheme's vectors carry), so fuzzing starts from real values
instead of empty input, and fuzz/dicts/<target>.dict, the tokens of each target's format.
Run from the repository root: python3 fuzz/make_seeds.py

Seeds are committed; the corpus libFuzzer grows (fuzz/corpus/) is not."""

import glob
import hashlib
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "seeds")
DICTS = os.path.join(ROOT, "fuzz", "dicts")

# Tokens per format (libFuzzer -dict): what a mutation rarely finds byte by byte.
JSON_TOKENS = ['{', '}', '[', ']', ':', ',', '"', 'null', 'true', 'false', '-0', '1e308',
               '"\\u0000"', '"\\ud800"', '0.1', '{"":""}']
FORMATS = {
    "json": JSON_TOKENS,
    "toml": ['version = "1"', '[psono_settings]', '[http_options]', 'server_url = ',
             'api_key_id = ', 'api_secret_key_hex = ', 'api_private_key_hex = ',
             'server_signature_hex = ', 'server_public_key_hex = ', 'timeout = ',
             'pem_root_certificate_path = ', 'der_root_certificate_path = ',
             'session_duration = ', 'device_description = ', '"""', "'''", '=', '\n',
             'PSONO_CI_SERVER_URL=', 'PSONO_CI_API_KEY_ID=', 'PSONO_CI_API_SECRET_KEY_HEX=',
             'PSONO_CI_TIMEOUT=', 'PSONO_CI_API_PRIVATE_KEY_HEX='],
    "psono": JSON_TOKENS + ['"website_password_title"', '"website_password_password"',
             '"application_password_password"', '"bookmark_url"', '"note_notes"',
             '"totp_code"', '"totp_algorithm"', '"totp_digits"', '"totp_period"',
             '"env_vars"', '"key"', '"value"', '"secret_id"', '"secret_key"', '"data"',
             '"data_nonce"', '"request_time"', '"request_device_fingerprint"', '"token"',
             '"session_secret_key"', '"user_public_key"', 'SHA1', 'SHA256', 'SHA512',
             '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000000Z'],
    "http": [': ', '\r\n', 'Signature', 'Signature-Input', 'Content-Digest', 'Content-Type',
             'Authorization', 'Host', 'sig1=', '("@method" "@target-uri" "@authority")',
             ';created=', ';expires=', ';nonce=', ';keyid=', ';alg=', ';tag=', ';req', ';sf',
             ';bs', ';key=', ';tr', 'sha-256=:', 'sha-512=:', ':', '"hmac-sha256"',
             '"ed25519"', 'POST', 'GET', 'HTTP/1.1'],
    "cli": ['1h', '30s', '2d', '1w', '1h30m', '0', '18446744073709551615', '1.5', '=',
            'name="x"', 'true', 'null', 'Authorization: ', 'Content-Type: ', 'password',
            'username', 'url', 'notes', 'totp', 'env_vars', 'json'],
}
TARGET_FORMAT = {
    "psono_json": "json", "psono_server": "psono", "psono_config": "toml",
    "vector_files": "json", "ninchat_open_metadata": "json", "httpsig_fields": "http",
    "httpsig_base": "http", "hmac_auth_layer": "http", "hmac_auth_headers": "http",
    "cli_values": "cli", "psono_response": "json",
}


def write_dict(target, fmt):
    os.makedirs(DICTS, exist_ok=True)
    with open(os.path.join(DICTS, target + ".dict"), "w", encoding="utf-8") as f:
        f.write("# %s tokens for %s, written by fuzz/make_seeds.py\n" % (fmt, target))
        for token in FORMATS[fmt]:
            escaped = "".join("\\x%02x" % b if b < 0x20 or b in (0x22, 0x5c) or b > 0x7e
                              else chr(b) for b in token.encode())
            f.write('"%s"\n' % escaped)
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
    psono_inputs = [c.get("input", {}) for c in cases("psono-client.json")]
    write("psono_server", [json.dumps(i) for i in psono_inputs])
    keys = [k for k in texts("psono-client.json", "key_hex", "secret_key_hex", "private_key_hex")
            if len(k) == 64][:4] or ["07" * 32]
    configs = ['version = "1"\n\n[psono_settings]\nserver_url = "https://psono.example.com/server"\n'
               'api_key_id = "6f2b7a0e-6a55-4d1c-9a0e-1c2d3e4f5a6b"\napi_secret_key_hex = "%s"\n'
               '\n[http_options]\ntimeout = 30\n' % k for k in keys]
    configs += ["PSONO_CI_SERVER_URL=http://127.0.0.1:1\nPSONO_CI_API_KEY_ID=id\n"
                "PSONO_CI_API_SECRET_KEY_HEX=%s\nPSONO_CI_TIMEOUT=30s\n" % k for k in keys]
    write("psono_config", configs)
    # Structure-aware targets read their input through `arbitrary`: a few plain strings and
    # token lists still start them past the empty input.
    write("cli_values", ["1h\x00", "1700000000.5", 'name="Enforced"', "Authorization: x"])
    write("cli_args", [b"\x00\x01", b"\x00\x02\x00\x03", b"\x01\x05\x00"])
    # The server's front door: mode byte (0 raw, 1 upgrade + frames, 2 upgrade + one binary
    # frame), then the stream; obfuscated2 headers from the transport vectors.
    streams = [bytes.fromhex(part["stream"]) for c in cases("authkey-handshake.json")
               for part in (c.get("input", {}), c.get("expect", {})) if "stream" in part]
    write("authkey_ws", [bytes([m]) + s for s in streams[:12] for m in (0, 2)]
          + [b"\x01\x82\x80\x00\x00\x00\x00", b"\x00GET / HTTP/1.1\r\n\r\n"])
    # Refusals: a 2-byte status, then a body as servers send them (JSON, an HTML page).
    write("psono_response", [b"\x01\x2c" + b'{"non_field_errors": ["NO_PERMISSION_OR_NOT_EXIST"]}',
                             b"\x01\x2c" + b'{"detail": "Invalid token."}',
                             b"\x01\x2c" + b"<html><title>Not Found</title></html>"])
    for target, fmt in TARGET_FORMAT.items():
        write_dict(target, fmt)


if __name__ == "__main__":
    main()
