"""Generates vectors/hmac-auth-strong.json, the vectors of hmac-auth's strong mode.

Run from the repository root:

    python3 crates/hmac-auth/tools/gen_strong_vectors.py > vectors/hmac-auth-strong.json

This is a second, independent implementation of the format in docs/hmac-auth.md ("Strong
mode"), written with nothing but CPython's hmac/hashlib/base64, so the Rust crate is checked
against the written spec rather than against itself. No randomness: nonces and times are fixed,
so re-runs are byte-identical.
"""
import base64, hashlib, hmac, json, re, sys

CONTEXT = b"hmac-auth-strong/v1"
DIGESTS = {"sha1": hashlib.sha1, "sha224": hashlib.sha224, "sha256": hashlib.sha256,
           "sha384": hashlib.sha384, "sha512": hashlib.sha512}
KEY_ID = re.compile(r"^[A-Za-z0-9._~-]{0,64}$")
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
TS = re.compile(r"^[0-9]{1,19}$")

class Fail(Exception):
    def __init__(self, kind):
        self.kind = kind

def latin1(s):
    return s.encode("latin-1")

def signing_string(key_id, ts, nonce, method, target, body):
    return b"\n".join([CONTEXT, key_id.encode(), ts.encode(), nonce.encode(), method.encode(),
                       target.encode(), hashlib.sha256(body).hexdigest().encode()])

def key_for(app, key_id):
    if key_id == "":
        if app.get("key") is None:
            raise Fail("unknown_key_name")
        return latin1(app["key"])
    keys = app.get("keys")
    if keys is None or key_id not in keys:
        raise Fail("unknown_key_name")
    k = keys[key_id]
    if k == "":  # an empty service key means the global key, as in compatible mode
        if app.get("key") is None:
            raise Fail("unknown_key_name")
        return latin1(app["key"])
    return latin1(k)

def sign(app, key_id, method, target, body, ts, nonce):
    key_id = key_id or ""
    digest = DIGESTS[app.get("digestmod", "sha256")]
    key = key_for(app, key_id)
    mac = hmac.new(key, signing_string(key_id, str(ts), nonce, method, target, body), digest).digest()
    return "v1:%s:%d:%s:%s" % (key_id, ts, nonce, base64.b64encode(mac).decode())

def parse(value):
    parts = value.split(":")
    if len(parts) != 5:
        raise Fail("malformed_header")
    v, key_id, ts, nonce, mac = parts
    if v != "v1" or not KEY_ID.fullmatch(key_id) or not TS.fullmatch(ts) or not NONCE.fullmatch(nonce):
        raise Fail("malformed_header")
    try:
        raw = base64.b64decode(mac, validate=True)
    except Exception:
        raise Fail("malformed_header")
    if base64.b64encode(raw).decode() != mac:  # canonical, padded standard base64 only
        raise Fail("malformed_header")
    return key_id, ts, nonce, raw

def verify(app, method, target, headers, body, now, skew, only=None, seen=()):
    values = [v for n, v in headers if n.lower() == "hmac-strong"]
    if not values:
        raise Fail("missing_signature")
    if len(values) > 1:
        raise Fail("malformed_header")
    key_id, ts, nonce, mac = parse(values[0])
    key = key_for(app, key_id)
    if key_id and only is not None and key_id not in only:
        raise Fail("invalid_signature")
    digest = DIGESTS[app.get("digestmod", "sha256")]
    want = hmac.new(key, signing_string(key_id, ts, nonce, method, target, body), digest).digest()
    if not hmac.compare_digest(want, mac):
        raise Fail("invalid_signature")
    if abs(int(ts) - now) > skew:
        raise Fail("stale_timestamp")
    if (key_id, nonce) in seen:
        raise Fail("replayed")
    return key_id

cases = []
def case(name, op, inp, expect):
    cases.append({"name": name, "op": op, "input": inp, "expect": expect})

APP = {"key": "s3cr3tk3y", "keys": {"aservice": "akey", "bservice": "bkey", "empty": ""}}
N1 = "AAECAwQFBgcICQoLDA0ODw"   # urlsafe-nopad of bytes 0..15
N2 = "8PHy8_T19vf4-fr7_P3-_w"   # urlsafe-nopad of bytes 0xf0..0xff
T = 1_700_000_000
BODY = b'{"amount": 10}'

# --- sign ---------------------------------------------------------------------------------
sign_inputs = [
    ("sign_global_get_no_body", dict(APP), None, "GET", "/", b"", T, N1),
    ("sign_global_post_json", dict(APP), None, "POST", "/pay?to=alice", BODY, T, N1),
    ("sign_service", dict(APP), "aservice", "POST", "/pay?to=alice", BODY, T, N2),
    ("sign_service_empty_key_uses_global", dict(APP), "empty", "PUT", "/x", b"x", T, N1),
    ("sign_sha512", dict(APP, digestmod="sha512"), "bservice", "DELETE", "/items/7", b"", T, N2),
    ("sign_sha1", dict(APP, digestmod="sha1"), None, "PATCH", "/a%20b?q=%C3%A9", b"\x00\xff", 0, N1),
    ("sign_latin1_key", {"key": "cl\u00e9"}, None, "GET", "/", b"", T, N1),
    ("sign_binary_body", dict(APP), "aservice", "POST", "/upload", bytes(range(256)) * 4, T, N2),
]
for name, app, kid, m, t, b, ts, n in sign_inputs:
    inp = dict(app)
    inp.update({"method": m, "target": t, "body_hex": b.hex(), "timestamp": ts, "nonce": n})
    if kid is not None:
        inp["key_id"] = kid
    case(name, "sign", inp, {"header": sign(app, kid, m, t, b, ts, n)})

for name, kid, nonce, kind in [
    ("sign_err_unknown_service", "nobody", N1, "unknown_key_name"),
    ("sign_err_key_id_with_colon", "a:b", N1, "invalid_key_id"),
    ("sign_err_short_nonce", None, "abc", "malformed_header"),
]:
    inp = dict(APP, method="GET", target="/", body_hex="", timestamp=T, nonce=nonce)
    if kid is not None:
        inp["key_id"] = kid
    case(name, "sign", inp, {"error": kind})
case("sign_err_no_global_key", "sign", {"keys": {"a": "k"}, "method": "GET", "target": "/",
     "body_hex": "", "timestamp": T, "nonce": N1}, {"error": "unknown_key_name"})

# --- verify -------------------------------------------------------------------------------
def vcase(name, app, method, target, headers, body, now, skew, only=None, seen=()):
    inp = dict(app)
    inp.update({"method": method, "target": target, "headers": headers,
                "body_hex": body.hex(), "now": now, "skew": skew})
    if only is not None:
        inp["only"] = only
    if seen:
        inp["seen"] = [{"key_id": k, "nonce": n} for k, n in seen]
    try:
        kid = verify(app, method, target, headers, body, now, skew, only, seen)
        expect = {"valid": True, "key_id": kid}
    except Fail as f:
        expect = {"error": f.kind}
    case(name, "verify", inp, expect)

good = sign(APP, "aservice", "POST", "/pay?to=alice", BODY, T, N1)
glob = sign(APP, None, "POST", "/pay?to=alice", BODY, T, N1)
H = lambda v: [["Hmac-Strong", v], ["Content-Type", "application/json"]]
vcase("verify_service_valid", APP, "POST", "/pay?to=alice", H(good), BODY, T, 300)
vcase("verify_global_valid", APP, "POST", "/pay?to=alice", H(glob), BODY, T + 10, 300)
vcase("verify_header_name_case_insensitive", APP, "POST", "/pay?to=alice", [["hMaC-sTrOnG", good]], BODY, T, 300)
vcase("verify_tampered_body", APP, "POST", "/pay?to=alice", H(good), b'{"amount": 99}', T, 300)
vcase("verify_other_method", APP, "PUT", "/pay?to=alice", H(good), BODY, T, 300)
vcase("verify_other_path", APP, "POST", "/admin?to=alice", H(good), BODY, T, 300)
vcase("verify_other_query", APP, "POST", "/pay?to=mallory", H(good), BODY, T, 300)
vcase("verify_form_body_is_signed", APP, "POST", "/pay",
      [["Hmac-Strong", sign(APP, None, "POST", "/pay", b"", T, N1)],
       ["Content-Type", "application/x-www-form-urlencoded"]], b"amount=999", T, 300)
vcase("verify_wrong_key", {"key": "s3cr3tk3y", "keys": {"aservice": "another"}},
      "POST", "/pay?to=alice", H(good), BODY, T, 300)
vcase("verify_key_id_swapped", APP, "POST", "/pay?to=alice",
      H(good.replace(":aservice:", ":bservice:", 1)), BODY, T, 300)
vcase("verify_timestamp_edited", APP, "POST", "/pay?to=alice",
      H(good.replace(":%d:" % T, ":%d:" % (T + 100), 1)), BODY, T + 100, 300)
vcase("verify_skew_edge_past_ok", APP, "POST", "/pay?to=alice", H(good), BODY, T + 300, 300)
vcase("verify_skew_edge_future_ok", APP, "POST", "/pay?to=alice", H(good), BODY, T - 300, 300)
vcase("verify_stale", APP, "POST", "/pay?to=alice", H(good), BODY, T + 301, 300)
vcase("verify_from_the_future", APP, "POST", "/pay?to=alice", H(good), BODY, T - 301, 300)
vcase("verify_stale_but_bad_mac_is_invalid", APP, "POST", "/pay?to=alice", H(good), b"", T + 9999, 300)
vcase("verify_replayed", APP, "POST", "/pay?to=alice", H(good), BODY, T, 300, seen=[("aservice", N1)])
vcase("verify_same_nonce_other_key_is_fresh", APP, "POST", "/pay?to=alice", H(good), BODY, T, 300,
      seen=[("bservice", N1), ("", N1)])
vcase("verify_missing_header", APP, "POST", "/pay?to=alice", [["Signature", "x"]], BODY, T, 300)
vcase("verify_duplicate_header", APP, "POST", "/pay?to=alice", H(good) + [["Hmac-Strong", good]], BODY, T, 300)
vcase("verify_unknown_service", APP, "GET", "/", H(good.replace(":aservice:", ":zservice:", 1)), b"", T, 300)
vcase("verify_no_global_key", {"keys": {"aservice": "akey"}}, "POST", "/pay?to=alice", H(glob), BODY, T, 300)
vcase("verify_not_in_only", APP, "POST", "/pay?to=alice", H(good), BODY, T, 300, only=["bservice"])
vcase("verify_in_only", APP, "POST", "/pay?to=alice", H(good), BODY, T, 300, only=["aservice"])
vcase("verify_global_key_passes_only", APP, "POST", "/pay?to=alice", H(glob), BODY, T, 300, only=[])
sha512_app = dict(APP, digestmod="sha512")
vcase("verify_sha512", sha512_app, "GET", "/x", H(sign(sha512_app, "bservice", "GET", "/x", b"", T, N2)), b"", T, 5)
vcase("verify_sha256_header_on_sha512_app", sha512_app, "POST", "/pay?to=alice", H(good), BODY, T, 300)
mac_part = good.rsplit(":", 1)[1]
for i, bad in enumerate([
    "", "v1", "v2" + good[2:], good.replace("v1:", "V1:", 1), good + ":x",
    "v1:aservice:-5:%s:%s" % (N1, mac_part), "v1:aservice:+5:%s:%s" % (N1, mac_part),
    "v1:aservice:12345678901234567890:%s:%s" % (N1, mac_part),
    "v1:aservice:%d:short:%s" % (T, mac_part), "v1:aservice:%d:%s:%s" % (T, N1 + "=", mac_part),
    "v1:a b:%d:%s:%s" % (T, N1, mac_part), "v1:aservice:%d:%s:%s" % (T, N1, mac_part.rstrip("=")),
    "v1::%d:%s:%s" % (T, N1, glob.rsplit(":", 1)[1].replace("+", "-").replace("/", "_")),
    "v1:aservice:%d:%s:%s" % (T, N1, "!" + mac_part[1:]),
]):
    vcase("verify_header_variant_%02d" % i, APP, "POST", "/pay?to=alice", H(bad), BODY, T, 300)

# --- parse --------------------------------------------------------------------------------
for name, value in [("parse_service", good), ("parse_global", glob)]:
    k, ts, n, _ = parse(value)
    case(name, "parse", {"header": value}, {"key_id": k, "timestamp": int(ts), "nonce": n})
case("parse_err", "parse", {"header": "v1:::"}, {"error": "malformed_header"})

# --- http ---------------------------------------------------------------------------------
def wire(method, target, headers, body):
    hs = [["Host", "127.0.0.1"]] + headers + [["Content-Length", str(len(body))], ["Connection", "close"]]
    return {"method": method, "target": target, "headers": hs, "body_hex": body.hex()}

STATUS = {"valid": 200}
def http_case(name, app, now, skew, reqs, only=None):
    inp = dict(app)
    inp.update({"now": now, "skew": skew, "requests": [wire(*r) for r in reqs]})
    if only is not None:
        inp["only"] = only
    seen, statuses = set(), []
    for m, t, hs, b in reqs:
        try:
            kid = verify(app, m, t, hs, b, now, skew, only, seen)
            seen.add((kid, [v for n, v in hs if n.lower() == "hmac-strong"][0].split(":")[3]))
            statuses.append(200)
        except Fail:
            statuses.append(401)
    case(name, "http", inp, {"statuses": statuses})

req = ("POST", "/pay?to=alice", [["Hmac-Strong", good], ["Content-Type", "application/json"]], BODY)
http_case("http_valid_then_replayed", APP, T, 300, [req, req])
http_case("http_stale", APP, T + 301, 300, [req])
http_case("http_other_path", APP, T, 300, [("POST", "/admin", req[2], BODY)])
http_case("http_missing_header", APP, T, 300, [("POST", "/pay?to=alice", [], BODY)])
http_case("http_not_in_only_then_global", APP, T, 300,
          [req, ("POST", "/pay?to=alice", [["Hmac-Strong", glob]], BODY)], only=["bservice"])
http_case("http_two_nonces_both_fresh", APP, T, 300,
          [req, ("POST", "/pay?to=alice", [["Hmac-Strong", sign(APP, "aservice", "POST", "/pay?to=alice", BODY, T, N2)]], BODY)])

json.dump({
    "scheme": "hmac-auth-strong",
    "generated_by": "crates/hmac-auth/tools/gen_strong_vectors.py (an independent Python implementation of docs/hmac-auth.md 'Strong mode'; CPython 3.11 hmac/hashlib/base64)",
    "encoding_notes": "Strong mode of keyauth hmac-auth (our own scheme, not Flask-HMAC). App: key (global key text, latin-1), keys (service name -> key text; '' = use the global key), digestmod (default sha256). sign: key_id absent = global key; method, target (path?query as sent), body_hex, timestamp (Unix s), nonce -> header = the Hmac-Strong header value 'v1:<key id>:<ts>:<nonce>:<b64 mac>'. verify: headers [[name, value]], now, skew (s), only (list of admitted services; the global key always passes), seen (key_id, nonce pairs used before) -> {valid, key_id} or error. parse: header -> key_id, timestamp, nonce. http: the requests are sent in order over TCP to one server (the real layer, fixed clock at now, one memory replay guard) -> statuses. Error kinds: missing_signature, malformed_header (format, duplicate header), unknown_key_name, invalid_signature (MAC mismatch or service not in only), stale_timestamp (|now - ts| > skew, checked after the MAC), replayed, invalid_key_id (sign only).",
    "cases": cases,
}, sys.stdout, indent=1, ensure_ascii=True)
sys.stdout.write("\n")
