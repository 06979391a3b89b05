"""Negative vectors for malformed Flask-HMAC service tokens, one group per class of the spec
(shared/specs/hmac-auth.md §3.6 step 5, §3.8, §8 pitfall 3): padding, alphabet, UTF-8, colon
count, and the name classes that follow them (not latin-1, empty, unknown).

Every expected value is computed by the real packages, never written by hand:
  - op validate_signature: flaskhmac 1.2.1 `Hmac.validate_signature` (import `flask_hmac`);
  - op validate_service_signature: flaskhmac 1.1.2 `Hmac.validate_service_signature`, loaded
    from the directory in KEYAUTH_FLASKHMAC112_PATH (`pip install --no-deps --target DIR
    flaskhmac==1.1.2`) under the module name `flask_hmac_112`;
  - op http: a 1.2.1 app on Werkzeug's dev server at 127.0.0.1:<ephemeral>, the request sent
    byte for byte over TCP, the status recorded; every server is shut down at the end.
Requests run through Flask's test_request_context, as the upstream generator does.

    python tools/gen_service_token_vectors.py > vectors/hmac-auth_service_tokens.json

Deterministic: no randomness, re-runs are byte-identical.
"""
import base64, importlib.util, json, os, socket, sys, threading

from importlib.metadata import version

from flask import Flask, request
from werkzeug.serving import make_server
import flask_hmac
from flask_hmac import Hmac
from flask_hmac.exceptions import InvalidSignature, SecretKeyIsNotSet, UnknownKeyName


def load_112():
    path = os.environ["KEYAUTH_FLASKHMAC112_PATH"]
    pkg = os.path.join(path, "flask_hmac")
    spec = importlib.util.spec_from_file_location(
        "flask_hmac_112", os.path.join(pkg, "__init__.py"), submodule_search_locations=[pkg])
    mod = importlib.util.module_from_spec(spec)
    sys.modules["flask_hmac_112"] = mod
    spec.loader.exec_module(mod)
    return mod


legacy = load_112()
legacy_exc = sys.modules["flask_hmac_112.exceptions"]

KEYS = {"aservice": "akey", "bservice": "bkey", "\u00e9": "ekey", "\u20ac": "eurokey", "": "emptyname", "ab~": "k"}


def b64(raw):
    return base64.b64encode(raw).decode("ascii")


def kind(e, exc, name_hint=None):
    if isinstance(e, exc.SecretKeyIsNotSet):
        return "missing_signature"
    if isinstance(e, exc.InvalidSignature):
        return "invalid_signature"
    if isinstance(e, exc.UnknownKeyName):
        return "unknown_key_name"
    if isinstance(e, UnicodeEncodeError):
        # six.b(key) or six.b("name:sig"): the keys of this file are all latin-1.
        return "name_not_latin1"
    if isinstance(e, (UnicodeDecodeError, ValueError)):
        return "malformed_service_signature"
    if isinstance(e, AttributeError):
        return "no_key"
    if isinstance(e, TypeError):
        return "no_keys_configured"
    raise e


def outcome(module, exc, config, header, legacy_op, only=None):
    app = Flask("gen")
    app.config.update(config)
    h = module.Hmac(app)
    headers = [("Signature", header)]
    with app.test_request_context("/", method="GET", headers=headers):
        try:
            if legacy_op:
                h.validate_service_signature(request)
            else:
                h.validate_signature(request, only=only)
            return {"valid": True}
        except Exception as e:  # noqa: BLE001 - every upstream outcome is recorded
            return {"error": kind(e, exc)}


def token_for(name, key, data=b""):
    """What make_hmac_for builds: b64(latin1(name) ':' b64(HMAC(latin1(key), data)))."""
    import hashlib, hmac
    inner = base64.b64encode(hmac.new(key.encode("latin-1"), data, hashlib.sha256).digest())
    return b64(name.encode("latin-1") + b":" + inner)


good = token_for("aservice", "akey")
# A token whose outer base64 has '+' or '/' (names ending '>' '?' '~'): its URL-safe twin.
tilde = token_for("ab~", "k")
tilde_urlsafe = tilde.replace("+", "-").replace("/", "_")
assert tilde != tilde_urlsafe

# (case name suffix, header value as latin-1 text, what it exercises)
TOKENS = [
    # padding (binascii.Error in urlsafe_b64decode)
    ("padding_stripped", good.rstrip("="), "a valid token without its '=': incorrect padding"),
    ("padding_one_short", "YTpi" + "YQ=", "data then a pad sequence one '=' short"),
    ("padding_lone_data_char", "YTpiY", "one data character past a quad (1 mod 4)"),
    ("padding_two_chars", "YQ", "two data characters, no padding"),
    ("padding_junk_leaves_short_quad", "YTpi!YQ", "junk dropped, two data chars left unpadded"),
    ("padding_excess", b64(b"a:b") + "==", "excess '=' after a full quad are skipped: decodes to 'a:b'"),
    ("padding_then_more_data", "YQ==YTpi", "data after a complete pad sequence is ignored: decodes to 'a'"),
    ("padding_valid_then_data", good[:-1] + "=YTpi", "the token's own pad ends decoding; trailing data ignored"),
    # alphabet (non-alphabet bytes dropped; '-' '_' read as '+' '/')
    ("alphabet_junk_inside", good[:10] + "!*" + good[10:], "junk inside a valid token: the name decodes, the token differs"),
    ("alphabet_space_inside", good[:10] + " " + good[10:], "a space inside a valid token"),
    ("alphabet_latin1_byte_inside", good[:10] + "\u00e9" + good[10:], "a latin-1 byte (0xe9) inside a valid token"),
    ("alphabet_urlsafe_twin", tilde_urlsafe, "the URL-safe alphabet for a token that has '+'/'/'"),
    ("alphabet_only_junk", "!!!!", "no alphabet character at all: decodes to b''"),
    ("alphabet_empty_value", "", "an empty header value: decodes to b''"),
    # UTF-8 (bytes.decode('utf-8'))
    ("utf8_invalid_start_byte", b64(b"\xff:" + b"x" * 4), "0xff can never start UTF-8"),
    ("utf8_latin1_name_as_upstream_signs_it", token_for("\u00e9", "ekey"), "make_hmac_for('é') itself: latin-1 name bytes are not UTF-8"),
    ("utf8_overlong", b64(b"\xc0\xaf:abcd"), "an overlong encoding of '/'"),
    ("utf8_surrogate", b64(b"\xed\xa0\x80:abcd"), "an encoded surrogate"),
    ("utf8_single_key_signature", "LSXp2AnBSNGHEcjN2CIBCD0n+HMR4DPunreKdyp6u8w=", "a plain single-key signature (make_hmac('') with 's3cr3tk3y')"),
    ("utf8_truncated", b64(b"aservice\xe2\x82:abcd"), "a truncated multi-byte sequence"),
    # colon count (client, sig = text.split(':'))
    ("colons_none", b64(b"aservice"), "no ':'"),
    ("colons_two", b64(b"aservice:a:b"), "two ':'"),
    ("colons_name_with_colon_as_signed", token_for("a:b", "k"), "make_hmac_for('a:b') itself: two ':'"),
    # the name classes after a well-formed parse
    ("name_above_latin1_configured", b64("\u20ac:abcd".encode("utf-8")), "UTF-8 name '€' that is configured but cannot be encoded latin-1"),
    ("name_above_latin1_unknown", b64("\u0100:abcd".encode("utf-8")), "UTF-8 name 'Ā', not configured"),
    ("name_empty_configured", token_for("", "emptyname"), "':sig' with '' configured: the real token"),
    ("name_empty_wrong_sig", b64(b":abcd"), "':sig' with '' configured, wrong signature"),
    ("name_unknown", token_for("zservice", "zkey"), "a well-formed token naming an unconfigured service"),
    ("name_valid", good, "control: the valid token"),
]

cases = []
for suffix, header, note in TOKENS:
    config = {"HMAC_KEYS": KEYS}
    cases.append({
        "name": "validate_%s" % suffix, "op": "validate_signature",
        "note": note + " (flaskhmac 1.2.1)",
        "input": {"config": config, "request": {"method": "GET", "path": "/", "headers": [["Signature", header]], "body_hex": ""}},
        "expect": outcome(flask_hmac, sys.modules["flask_hmac.exceptions"], config, header, False),
    })
    cases.append({
        "name": "service_sig_%s" % suffix, "op": "validate_service_signature",
        "note": note + " (flaskhmac 1.1.2)",
        "input": {"config": config, "request": {"method": "GET", "path": "/", "headers": [["Signature", header]], "body_hex": ""}},
        "expect": outcome(legacy, legacy_exc, config, header, True),
    })

# 1.2.1 with the global key too: a bad-padding error wins although HMAC_KEY is set, and
# `only` is consulted only after a clean parse.
both = {"HMAC_KEY": "s3cr3tk3y", "HMAC_KEYS": KEYS}
for suffix, header, only, note in [
    ("global_key_set_padding_error", good.rstrip("="), None, "bad padding is InvalidSignature before any comparison"),
    ("global_key_set_utf8_error", b64(b"\xff:abcd"), None, "no candidate from the token; the global key does not match"),
    ("only_excludes_unknown_name", token_for("zservice", "zkey"), ["aservice"], "an unknown name outside `only` never reaches the key lookup"),
    ("only_admits_unknown_name", token_for("zservice", "zkey"), ["zservice"], "an unknown name inside `only`: UnknownKeyName escapes"),
]:
    cases.append({
        "name": "validate_%s" % suffix, "op": "validate_signature", "note": note + " (flaskhmac 1.2.1)",
        "input": {"config": both, "only": only, "request": {"method": "GET", "path": "/", "headers": [["Signature", header]], "body_hex": ""}},
        "expect": outcome(flask_hmac, sys.modules["flask_hmac.exceptions"], both, header, False, only),
    })
    if only is None:
        del cases[-1]["input"]["only"]

# http: the same classes through @hmac.auth() on the real dev server.
app = Flask("gen_http")
app.config.update(both)
hm = Hmac(app)


@app.route("/a", methods=["GET"])
@hm.auth()
def a():
    return "ok"


import logging

logging.getLogger("werkzeug").setLevel(logging.ERROR)
app.logger.disabled = True
srv = make_server("127.0.0.1", 0, app)
threading.Thread(target=srv.serve_forever, daemon=True).start()


def status(headers):
    wire = b"GET /a HTTP/1.1\r\n" + b"".join(
        n.encode("latin-1") + b": " + v.encode("latin-1") + b"\r\n" for n, v in headers) + b"\r\n"
    with socket.create_connection(("127.0.0.1", srv.server_port), timeout=10) as s:
        s.sendall(wire)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(1024)
            if not chunk:
                break
            data += chunk
    return int(data.split(b" ")[1])


for suffix, header in [
    ("padding_stripped", good.rstrip("=")),
    ("utf8_latin1_name", token_for("\u00e9", "ekey")),
    ("colons_two", b64(b"aservice:a:b")),
    ("name_above_latin1_configured", b64("\u20ac:abcd".encode("utf-8"))),
    ("name_unknown", token_for("zservice", "zkey")),
    ("alphabet_junk_inside", good[:10] + "!*" + good[10:]),
]:
    headers = [["Host", "127.0.0.1"], ["Signature", header], ["Content-Length", "0"], ["Connection", "close"]]
    cases.append({
        "name": "http_%s" % suffix, "op": "http",
        "input": {"app": {"config": both}, "route": {"auth": True},
                  "request": {"method": "GET", "target": "/a", "headers": headers, "body_hex": ""}},
        "expect": {"status": status(headers)},
    })
srv.shutdown()

out = {
    "scheme": "hmac-auth",
    "generated_by": "crates/hmac-auth/tools/gen_service_token_vectors.py: flaskhmac==1.2.1 (op validate_signature, http); "
                    "flaskhmac==1.1.2 (op validate_service_signature); Flask==%s Werkzeug==%s six==%s CPython %s"
                    % (version("flask"), version("werkzeug"), version("six"), sys.version.split()[0]),
    "encoding_notes": "Same format and error kinds as vectors/hmac-auth.json (see its encoding_notes); "
                      "validate_service_signature cases use 1.1.x defaults (HMAC_KEY '', HMAC_KEYS {}) where unset. "
                      "Every case is a service token of one malformed class (the name prefix after the op: padding, "
                      "alphabet, utf8, colons, name); `note` says which.",
    "cases": cases,
}
json.dump(out, sys.stdout, indent=1, ensure_ascii=True)
sys.stdout.write("\n")
