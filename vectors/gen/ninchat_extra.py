"""Generates crates/ninchat-master/vectors/ninchat-master_extra.json.

Run: python3 vectors/gen/ninchat_extra.py > crates/ninchat-master/vectors/ninchat-master_extra.json

Cases the shared file does not carry: float expiries, float/integer/escape corners of the
canonical JSON, lenient secrets, nonce integers beyond 48 bits, URL-safe verification and
opening, foreign (PHP-style) nonces, metadata whose plaintext needs no padding, and every open
failure. The signing and sealing side is an independent transcription of ninchat-python's
`ninchat/master/sign.py` and `secure.py` (e971db6; URL-safe variant per wip@b2e37c2) on CPython
3.11 `json`, `hmac`, `hashlib`, `base64`, `struct`, with AES-CBC from `cryptography`; it is not
the library itself. Verify/open expectations follow the order of checks in
`shared/specs/ninchat-master.md` ("The verifier"). Error kinds are the shared file's.
"""
import base64, hashlib, hmac, json, struct, sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

NOW = 1700948774
WEEK = 604800
K0 = {"id": "22nlihvg", "secret": "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0="}
K1 = {"id": "k3xrilav", "secret": "gHblmhRVje+dswq6YSu08g=="}  # AES-128
K2 = {"id": "k24", "secret": base64.b64encode(bytes(range(24))).decode()}  # AES-192

cases = []


def case(name, op, inp, expect):
    cases.append({"name": name, "op": op, "input": inp, "expect": expect})


def dumps(v):
    return json.dumps(v, separators=(",", ":"))


def nonce_text(n):
    return base64.b64encode(struct.pack("<Q", n)[:6]).decode()


def sign(key, expire, pairs, nonce_int, fmt, for_user=False):
    """ninchat.master.sign._sign, with the nonce given."""
    expire = int(expire)
    nonce = nonce_text(nonce_int)
    msg = list(pairs) + [("expire", expire), ("nonce", nonce)]
    msg.sort()
    msg_json = dumps(msg)
    digest = hmac.new(base64.b64decode(key["secret"]), msg_json.encode(), hashlib.sha512).digest()
    if fmt == "legacy":
        sig = "-".join([key["id"], str(expire), nonce, base64.b64encode(digest).decode()])
        return sig + ("-1" if for_user else ""), msg_json, nonce
    n = nonce.replace("+", "-").replace("/", "_")
    d = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return ".".join([key["id"], str(expire), n, d, "1" if for_user else ""]), msg_json, nonce


def grant_pairs(op, inp):
    if op == "sign_create_session":
        attrs = inp.get("puppet_attrs")
        return [("action", "create_session")] + ([("puppet_attrs", sorted(attrs))] if attrs else [])
    if op == "sign_create_session_for_user":
        return [("action", "create_session"), ("user_id", inp["user_id"])]
    pairs = [("action", "join_channel"), ("channel_id", inp["channel_id"])]
    attrs = inp.get("member_attrs")
    if attrs:
        pairs.append(("member_attrs", sorted(attrs)))
    if op == "sign_join_channel_for_user":
        pairs.append(("user_id", inp["user_id"]))
    return pairs


def sign_case(name, op, key, expire, nonce_int, fmt, **extra):
    inp = {"key": key, "now": NOW, "expire": expire, "nonce_int": nonce_int, "format": fmt, **extra}
    if expire < NOW:
        return case(name, op, inp, {"error": "expired"})
    if expire > NOW + WEEK:
        return case(name, op, inp, {"error": "expire_too_far"})
    sig, msg_json, nonce = sign(key, expire, grant_pairs(op, inp), nonce_int, fmt,
                                op == "sign_join_channel_for_user")
    case(name, op, inp, {"signature": sig, "canonical_json": msg_json, "nonce": nonce})
    return sig


def seal(key, msg, iv, fmt):
    """ninchat.master.secure, with the IV given."""
    msg_json = dumps(msg).encode()
    plain = hashlib.sha512(msg_json).digest() + msg_json
    plain += b"\0" * (-len(plain) % 16)
    return seal_raw(key, plain, iv, fmt), msg_json.decode(), len(plain)


def seal_raw(key, plain, iv, fmt):
    enc = Cipher(algorithms.AES(base64.b64decode(key["secret"])), modes.CBC(iv)).encryptor()
    body = iv + enc.update(plain) + enc.finalize()
    if fmt == "legacy":
        return key["id"] + "-" + base64.b64encode(body).decode()
    return key["id"] + "." + base64.urlsafe_b64encode(body).decode().rstrip("=")


def secure_case(name, key, expire, metadata, iv, fmt, user_id=None):
    op = "secure_metadata_for_user" if user_id is not None else "secure_metadata"
    inp = {"key": key, "now": NOW, "expire": expire, "metadata": metadata, "iv_hex": iv.hex(),
           "format": fmt}
    msg = {}
    if user_id is not None:
        inp["user_id"] = user_id
        msg["user_id"] = user_id
    msg["expire"] = expire
    msg["metadata"] = metadata
    if expire < NOW:
        return case(name, op, inp, {"error": "expired"})
    if expire > NOW + WEEK:
        return case(name, op, inp, {"error": "expire_too_far"})
    value, text, padded = seal(key, msg, iv, fmt)
    case(name, op, inp, {"value": value, "plaintext_json": text, "padded_len": padded})
    return value


def verify_case(name, key, now, action, params, signature, expect):
    case(name, "verify", {"key": key, "now": now, "action": action, "params": params,
                          "signature": signature}, expect)


def open_case(name, key, now, value, expect, user_id=None):
    inp = {"key": key, "now": now, "value": value}
    if user_id is not None:
        inp["user_id"] = user_id
    case(name, "open_secure_metadata", inp, expect)


def flip_b64(text, at):
    """Changes the base64 character at `at` (keeping it in the alphabet)."""
    c = text[at]
    return text[:at] + ("A" if c != "A" else "B") + text[at + 1:]


# --- signing: expiry forms -------------------------------------------------------------
sign_case("float_expire_truncated_legacy", "sign_create_session", K0, NOW + 3600.999, 7, "legacy")
sign_case("float_expire_truncated_urlsafe", "sign_join_channel", K0, NOW + 60.5, 8, "urlsafe",
          channel_id="c1")
sign_case("float_expire_past", "sign_create_session", K0, NOW - 0.5, 9, "legacy")
sign_case("expire_equals_now", "sign_create_session", K0, NOW, 10, "urlsafe")
sign_case("expire_exactly_one_week", "sign_create_session_for_user", K0, NOW + WEEK, 11, "legacy",
          user_id="u")
sign_case("negative_expire", "sign_create_session", K0, -1, 12, "legacy")

# --- signing: nonce integers beyond 48 bits keep the low 6 bytes -----------------------
sign_case("nonce_beyond_48_bits", "sign_create_session", K0, NOW + 60, (1 << 48) + 5, "legacy")
sign_case("nonce_u64_max", "sign_create_session", K0, NOW + 60, (1 << 64) - 1, "urlsafe")

# --- signing: canonical JSON corners in attribute values --------------------------------
floats = [["f1", 1e-05], ["f2", 1e16], ["f3", 5e-324], ["f4", -0.0], ["f5", 1.7976931348623157e308],
          ["f6", 0.1 + 0.2], ["f7", 1e15], ["f8", 0.0001], ["f9", -126430982921026.62],
          ["fa", 123456789012345680.0], ["fb", 2.5], ["fc", 100.0]]
sign_case("attrs_floats", "sign_create_session", K0, NOW + 60, 13, "legacy", puppet_attrs=floats)
ints = [["i1", 2**63 - 1], ["i2", -2**63], ["i3", 2**64 - 1], ["i4", 0], ["i5", -1]]
sign_case("attrs_integers", "sign_join_channel", K0, NOW + 60, 14, "urlsafe", channel_id="c",
          member_attrs=ints)
escapes = [["ctl", "\x00\x01\x1f\x7f"], ["seps", "\u2028\u2029/"], ["astral", "\U0001F600\U0010FFFF"],
           ["quote", "\"\\\b\f\n\r\t"], ["bmp", "\uffff\u00e9\u4e2d"], ["n\u00e4me", "key too"]]
sign_case("attrs_escapes", "sign_join_channel_for_user", K0, NOW + 60, 15, "legacy",
          channel_id="ch\u00e4n", user_id="\u00fcser", member_attrs=escapes)
nested = [["info", {"z": 1, "a": [True, None, {"y": 2.0, "b": "x"}], "m": {}}], ["list", [[], [[]]]]]
sign_case("attrs_nested_order", "sign_create_session", K0, NOW + 60, 16, "urlsafe", puppet_attrs=nested)
dups = [["d", 2], ["d", 1.5], ["d", False], ["e", [1, "b"]], ["e", [1, "a"]], ["e", [0]]]
sign_case("attrs_same_names", "sign_create_session", K0, NOW + 60, 17, "legacy", puppet_attrs=dups)
sign_case("attrs_null", "sign_join_channel", K0, NOW + 60, 18, "legacy", channel_id="c",
          member_attrs=None)
sign_case("attrs_code_point_order", "sign_create_session", K0, NOW + 60, 19, "legacy",
          puppet_attrs=[["\U0001F600", 1], ["\uff5e", 2], ["Z", 3], ["a", 4], ["", 5]])

# --- signing: secrets as Python's b64decode reads them ----------------------------------
for i, secret in enumerate([" C58sAn+Dp2Ogb2+FdfSNg3J0\nImMYfYodUUgXFF2OPo0=\n",
                            "C58s-An+Dp2Ogb2+_FdfSNg3J0ImMYfYodUUgXFF2OPo0=",
                            "AB==CD==", "", "YR=="]):
    sign_case(f"lenient_secret_{i}", "sign_create_session", {"id": "klen", "secret": secret},
              NOW + 60, 20 + i, "legacy")
case("bad_secret_partial_group", "sign_create_session",
     {"key": {"id": "k", "secret": "YQ"}, "now": NOW, "expire": NOW + 60, "nonce_int": 1,
      "format": "legacy"}, {"error": "bad_secret"})

# --- secure metadata --------------------------------------------------------------------
iv = bytes(range(16))
secure_case("secure_float_expire_half", K0, NOW + 60.5, {"a": 1}, iv, "legacy")
secure_case("secure_float_expire_integral", K0, float(NOW + 3600), {"a": 1}, iv, "urlsafe")
secure_case("secure_floats_and_escapes", K0, NOW + 60,
            {"z": 1e-07, "y": [1e16, -0.0, 0.1], "x": "\x7f\u2028\U0001F680\"\\/"}, iv, "urlsafe",
            user_id="u-1")
# 64 + len(json) a multiple of 16: no padding at all.
for n in range(40):
    meta = {"p": "x" * n}
    if (64 + len(dumps({"expire": NOW + 60, "metadata": meta}))) % 16 == 0:
        break
secure_case("secure_no_padding_needed", K0, NOW + 60, meta, iv, "legacy")
secure_case("secure_aes128_urlsafe", K1, NOW + 60, {"k": "v"}, iv, "urlsafe")
secure_case("secure_aes192_for_user", K2, NOW + 60, None, iv, "legacy", user_id="u")
secure_case("secure_expired", K0, NOW - 1, {}, iv, "legacy")
case("secure_empty_secret", "secure_metadata",
     {"key": {"id": "k", "secret": ""}, "now": NOW, "expire": NOW + 60, "metadata": {},
      "iv_hex": iv.hex(), "format": "legacy"}, {"error": "bad_key_length"})

# --- verify -----------------------------------------------------------------------------
def vsign(op, fmt, nonce_int, expire=NOW + 3600, **extra):
    inp = dict(extra)
    return sign(K0, expire, grant_pairs(op, inp), nonce_int, fmt,
                op == "sign_join_channel_for_user")[0]


attrs = [["name", "Zo\u00eb"], ["info", {"n": 3, "a": 1.5}]]
rev = list(reversed(attrs))
for fmt in ["legacy", "urlsafe"]:
    s = vsign("sign_create_session", fmt, 101, puppet_attrs=attrs)
    verify_case(f"v_{fmt}_cs_attrs_ok", K0, NOW, "create_session", {"puppet_attrs": rev}, s,
                {"ok": True, "expire": NOW + 3600})
    verify_case(f"v_{fmt}_cs_attrs_missing", K0, NOW, "create_session", {}, s, {"error": "bad_mac"})
    verify_case(f"v_{fmt}_cs_attrs_changed", K0, NOW, "create_session",
                {"puppet_attrs": [["name", "Zoe"], ["info", {"n": 3, "a": 1.5}]]}, s,
                {"error": "bad_mac"})
    verify_case(f"v_{fmt}_cs_attrs_key_order", K0, NOW, "create_session",
                {"puppet_attrs": [["name", "Zo\u00eb"], ["info", {"a": 1.5, "n": 3}]]}, s,
                {"error": "bad_mac"})
    verify_case(f"v_{fmt}_cs_as_join", K0, NOW, "join_channel", {"channel_id": "c"}, s,
                {"error": "bad_mac"})
    s = vsign("sign_join_channel_for_user", fmt, 102, channel_id="c1", user_id="u1",
              member_attrs=attrs)
    verify_case(f"v_{fmt}_jcu_ok", K0, NOW, "join_channel",
                {"channel_id": "c1", "user_id": "u1", "member_attrs": attrs}, s,
                {"ok": True, "expire": NOW + 3600})
    verify_case(f"v_{fmt}_jcu_no_user", K0, NOW, "join_channel",
                {"channel_id": "c1", "member_attrs": attrs}, s, {"error": "bad_mac"})
    verify_case(f"v_{fmt}_jcu_other_channel", K0, NOW, "join_channel",
                {"channel_id": "c2", "user_id": "u1", "member_attrs": attrs}, s, {"error": "bad_mac"})
    verify_case(f"v_{fmt}_jcu_flag_dropped", K0, NOW, "join_channel",
                {"channel_id": "c1", "user_id": "u1", "member_attrs": attrs},
                s[:-2] if fmt == "legacy" else s[:-1], {"error": "bad_mac"})
    verify_case(f"v_{fmt}_jcu_expired", K0, NOW + 3601, "join_channel",
                {"channel_id": "c1", "user_id": "u1", "member_attrs": attrs}, s, {"error": "expired"})
    verify_case(f"v_{fmt}_jcu_at_expiry", K0, NOW + 3600, "join_channel",
                {"channel_id": "c1", "user_id": "u1", "member_attrs": attrs}, s,
                {"ok": True, "expire": NOW + 3600})
    s = vsign("sign_join_channel", fmt, 103, channel_id="c1")
    verify_case(f"v_{fmt}_jc_any_user", K0, NOW, "join_channel",
                {"channel_id": "c1", "user_id": "whoever"}, s, {"ok": True, "expire": NOW + 3600})
    s = vsign("sign_create_session_for_user", fmt, 104, user_id="p1")
    verify_case(f"v_{fmt}_csu_ok", K0, NOW, "create_session", {"user_id": "p1"}, s,
                {"ok": True, "expire": NOW + 3600})
    verify_case(f"v_{fmt}_csu_unknown_key", {"id": "other", "secret": K0["secret"]}, NOW,
                "create_session", {"user_id": "p1"}, s, {"error": "unknown_key"})
    verify_case(f"v_{fmt}_csu_wrong_secret", {"id": K0["id"], "secret": K1["secret"]}, NOW,
                "create_session", {"user_id": "p1"}, s, {"error": "bad_mac"})
    # The MAC is checked before the expiry.
    verify_case(f"v_{fmt}_csu_tampered_and_expired", K0, NOW + 99999, "create_session",
                {"user_id": "p1"}, flip_b64(s, len(s) - 12), {"error": "bad_mac"})

# Foreign nonces: PHP's 1 to 6 base-36 characters, signed as they appear.
for i, nonce in enumerate(["a", "z9", "abc123"]):
    msg_json = dumps([["action", "create_session"], ["expire", NOW + 60], ["nonce", nonce]])
    d = hmac.new(base64.b64decode(K0["secret"]), msg_json.encode(), hashlib.sha512).digest()
    verify_case(f"v_php_nonce_{i}", K0, NOW, "create_session", {},
                f"{K0['id']}-{NOW + 60}-{nonce}-{base64.b64encode(d).decode()}",
                {"ok": True, "expire": NOW + 60})

good = vsign("sign_create_session", "legacy", 105)
digest_std = good.split("-")[3]
good_url = vsign("sign_create_session", "urlsafe", 105)
for i, bad in enumerate([
    f"{K0['id']}-{NOW + 3600}-{nonce_text(105)}-{digest_std[:-4]}",            # 63-byte digest
    f"{K0['id']}-{NOW + 3600}-{nonce_text(105)}-{digest_std[:-2]}",            # unpadded std
    f"{K0['id']}-{NOW + 3600}-{nonce_text(105)}-{digest_std}-2",               # unknown flag
    f"{K0['id']}--{nonce_text(105)}-{digest_std}",                             # empty expire
    good_url[:-1],                                                             # 4 URL-safe fields
    good_url + "1.",                                                           # 6 URL-safe fields
]):
    verify_case(f"v_malformed_{i}", K0, NOW, "create_session", {}, bad, {"error": "malformed"})

# --- open_secure_metadata ----------------------------------------------------------------
iv2 = bytes([0xA5] * 16)
for fmt in ["legacy", "urlsafe"]:
    meta = {"zeta": 1, "alpha": {"y": [True, None], "x": "\u00dcn\u00efc\u00f6d\u00e9 \U0001F680"}, "f": 1e-07}
    v = seal(K0, {"user_id": "u1", "expire": NOW + 60, "metadata": meta}, iv2, fmt)[0]
    open_case(f"o_{fmt}_user_ok", K0, NOW, v, {"metadata": meta, "expire": NOW + 60}, "u1")
    open_case(f"o_{fmt}_user_other", K0, NOW, v, {"error": "user_mismatch"}, "u2")
    open_case(f"o_{fmt}_user_expired", K0, NOW + 61, v, {"error": "expired"}, "u1")
    open_case(f"o_{fmt}_unknown_key", K0, NOW, v.replace(K0["id"], "nobody", 1),
              {"error": "unknown_key"}, "u1")
    v = seal(K0, {"expire": NOW + 60.5, "metadata": None}, iv2, fmt)[0]
    open_case(f"o_{fmt}_float_expire", K0, NOW, v, {"metadata": None, "expire": NOW + 60.5})
    sep = "-" if fmt == "legacy" else "."
    enc = (lambda b: base64.b64encode(b).decode()) if fmt == "legacy" else \
        (lambda b: base64.urlsafe_b64encode(b).decode().rstrip("="))
    open_case(f"o_{fmt}_iv_only", K0, NOW, K0["id"] + sep + enc(iv2), {"error": "malformed"})
    open_case(f"o_{fmt}_not_blocks", K0, NOW, K0["id"] + sep + enc(iv2 + bytes(40)),
              {"error": "malformed"})
    # Whole blocks, but too few to hold the digest: it cannot match.
    open_case(f"o_{fmt}_short_plaintext", K0, NOW,
              seal_raw(K0, bytes(48), iv2, fmt), {"error": "digest_mismatch"})
    # The digest matches but the JSON after it does not parse / is not the message object.
    for j, body in enumerate([b"not json", b"[1,2]", b'{"expire":"soon","metadata":null}']):
        plain = hashlib.sha512(body).digest() + body
        plain += b"\0" * (-len(plain) % 16)
        open_case(f"o_{fmt}_bad_plaintext_{j}", K0, NOW, seal_raw(K0, plain, iv2, fmt),
                  {"error": "malformed"})
    body = b'{"expire":1,"metadata":null}'
    plain = bytes(64) + body
    plain += b"\0" * (-len(plain) % 16)
    open_case(f"o_{fmt}_wrong_digest", K0, NOW, seal_raw(K0, plain, iv2, fmt),
              {"error": "digest_mismatch"})
    v = seal(K1, {"expire": NOW + 60, "metadata": {"k": "v"}}, iv2, fmt)[0]
    open_case(f"o_{fmt}_aes128_ok", K1, NOW, v, {"metadata": {"k": "v"}, "expire": NOW + 60})
    open_case(f"o_{fmt}_wrong_aes_key", {"id": K1["id"], "secret": base64.b64encode(bytes(16)).decode()},
              NOW, v, {"error": "digest_mismatch"})
open_case("o_bad_base64", K0, NOW, K0["id"] + "-****", {"error": "malformed"})
open_case("o_no_separator", K0, NOW, "justtext", {"error": "malformed"})

json.dump({
    "scheme": "ninchat-master",
    "generated_by": "vectors/gen/ninchat_extra.py: an independent CPython 3.11 transcription of "
                    "ninchat-python@e971db6 ninchat/master (sign.py, secure.py; URL-safe per "
                    "wip@b2e37c2) with cryptography's AES-CBC; verify/open per the shared spec",
    "encoding_notes": "Same fields and error kinds as ninchat-master.json (see its notes); "
                      "expire may be a float (signatures sign int(expire), secure metadata "
                      "writes it as given); user_mismatch: opened metadata bound to another "
                      "user (or none given).",
    "cases": cases,
}, sys.stdout, indent=1, ensure_ascii=False)
sys.stdout.write("\n")
