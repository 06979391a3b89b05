"""Generates crates/keyauth-core/vectors/core.json. Run: python3 vectors/gen/core.py > crates/keyauth-core/vectors/core.json

Base64 expectations for the `python*` flavours come from CPython's own base64 module (the
decoder those schemes must match); strict flavours follow RFC 4648, checked against
CPython's b64decode(validate=True) where it applies. Error kinds are keyauth-core's.
"""
import base64, binascii, json, sys

cases = []
def case(name, op, inp, expect):
    cases.append({"name": name, "op": op, "input": inp, "expect": expect})

def py_decode(text, urlsafe):
    try:
        return (base64.urlsafe_b64decode if urlsafe else base64.b64decode)(text).hex()
    except (binascii.Error, ValueError):
        return None

samples = [b"", b"a", b"ab", b"abc", b"\xfb\xff", b"\x00\x01\x02\xfe\xff", bytes(range(32))]
for i, raw in enumerate(samples):
    for fl, enc in [("standard", base64.b64encode), ("urlsafe", base64.urlsafe_b64encode),
                    ("standard_nopad", lambda b: base64.b64encode(b).rstrip(b"=")),
                    ("urlsafe_nopad", lambda b: base64.urlsafe_b64encode(b).rstrip(b"="))]:
        text = enc(raw).decode()
        case(f"{fl} encode {i}", "base64_encode", {"flavour": fl, "hex": raw.hex()}, {"text": text})
        case(f"{fl} decode {i}", "base64_decode", {"flavour": fl, "text": text}, {"hex": raw.hex()})

# CPython's lenient decoder: what it accepts and what it rejects, kinds ours.
lenient = [
    ("YR==", False), ("Y Q==", False), ("YQ==\n", False), ("YQ==trailing", False),
    ("YQ", False), ("YWJjZ", False), ("-_8=", False), ("-_8=", True), ("+/8=", True),
    ("YW\nJj", False), ("", False), ("====", False), ("YQ=", False), ("Y===", False),
    ("YWI=YWI=", False), ("*YWJj*", False),
]
for text, urlsafe in lenient:
    fl = "python_urlsafe" if urlsafe else "python"
    got = py_decode(text, urlsafe)
    if got is not None:
        expect = {"hex": got}
    else:
        data = sum(1 for c in text if c.isalnum() or c in ("-_" if urlsafe else "") + "+/")
        expect = {"error": "invalid_length" if data % 4 == 1 else "invalid_padding"}
    case(f"{fl} {text!r}", "base64_decode", {"flavour": fl, "text": text}, expect)

# Strict flavours reject what Python forgives.
for text, kind in [("YR==", "invalid_last_symbol"), ("Y Q==", "invalid_byte"),
                   ("YQ==\n", "invalid_byte"), ("YQ", "invalid_padding"),
                   ("YWJjZ", "invalid_length"), ("-_8=", "invalid_byte")]:
    case(f"standard rejects {text!r}", "base64_decode", {"flavour": "standard", "text": text}, {"error": kind})
case("nopad rejects padding", "base64_decode", {"flavour": "standard_nopad", "text": "YQ=="}, {"error": "invalid_padding"})
case("urlsafe rejects +", "base64_decode", {"flavour": "urlsafe", "text": "+/8="}, {"error": "invalid_byte"})

for text in ["", "00", "00ff", "DEADbeef"]:
    case(f"hex decode {text!r}", "hex_decode", {"text": text},
         {"base64": base64.b64encode(bytes.fromhex(text)).decode()})
for raw in [b"", b"\x00\xff", b"\xde\xad\xbe\xef"]:
    case(f"hex encode {raw.hex()}", "hex_encode", {"base64": base64.b64encode(raw).decode()}, {"text": raw.hex()})
case("hex odd length", "hex_decode", {"text": "abc"}, {"error": "invalid_length"})
case("hex bad char", "hex_decode", {"text": "0g"}, {"error": "invalid_byte"})
case("hex with space", "hex_decode", {"text": "00 fff"}, {"error": "invalid_byte"})
case("hex odd length wins over bad char", "hex_decode", {"text": "00 ff"}, {"error": "invalid_length"})

now, week = 1700000000, 604800
for name, expire, horizon, expect in [
    ("expiry exactly now", now, week, {"ok": True}),
    ("expiry one second ago", now - 1, week, {"error": "expired"}),
    ("expiry at the horizon", now + week, week, {"ok": True}),
    ("expiry one past the horizon", now + week + 1, week, {"error": "expire_too_far"}),
    ("expiry far ahead, no horizon", 2**63, None, {"ok": True}),
    ("expiry past, no horizon", 0, None, {"error": "expired"}),
    ("expiry horizon zero", now, 0, {"ok": True}),
    ("expiry horizon zero plus one", now + 1, 0, {"error": "expire_too_far"}),
]:
    inp = {"now": now, "expire": expire}
    if horizon is not None:
        inp["horizon"] = horizon
    case(name, "expiry", inp, expect)

for a, b in [("", ""), ("00", "00"), ("00", "01"), ("0000", "00"), ("ff" * 64, "ff" * 64)]:
    case(f"ct_eq {a[:8]}/{b[:8]}", "ct_eq", {"a": a, "b": b}, {"equal": a == b})

case("replay fresh, replayed, expired, fresh again", "replay_memory",
     {"capacity": 10, "steps": [
         {"now": 100, "id": "a", "until": 110}, {"now": 105, "id": "a", "until": 110},
         {"now": 110, "id": "a", "until": 110}, {"now": 111, "id": "a", "until": 120},
         {"now": 111, "id": "b", "until": 120}]},
     {"results": ["fresh", "replayed", "replayed", "fresh", "fresh"]})
case("replay capacity refuses, then frees on expiry", "replay_memory",
     {"capacity": 2, "steps": [
         {"now": 0, "id": "a", "until": 5}, {"now": 0, "id": "b", "until": 9},
         {"now": 1, "id": "c", "until": 9}, {"now": 6, "id": "c", "until": 9},
         {"now": 6, "id": "b", "until": 9}]},
     {"results": ["fresh", "fresh", "full", "fresh", "replayed"]})
case("replay dead token is not stored", "replay_memory",
     {"capacity": 1, "steps": [{"now": 50, "id": "old", "until": 49},
                               {"now": 50, "id": "new", "until": 60}]},
     {"results": ["fresh", "fresh"]})

json.dump({
    "scheme": "core",
    "generated_by": f"vectors/gen/core.py with CPython {sys.version.split()[0]} base64/binascii",
    "encoding_notes": "hex fields are lowercase hex of raw bytes; base64 flavours: standard, "
        "standard_nopad, urlsafe, urlsafe_nopad (RFC 4648, canonical only), python / python_urlsafe "
        "(CPython b64decode / urlsafe_b64decode, non-validating: expected values produced by CPython). "
        "expiry: now/expire Unix seconds, horizon optional (absent = unbounded), inclusive bounds. "
        "replay_memory: steps on one fresh in-memory guard with a pinned clock. Error kinds: "
        "invalid_byte, invalid_length, invalid_padding, invalid_last_symbol, expired, expire_too_far.",
    "cases": cases,
}, sys.stdout, indent=1)
print()
