"""Which Content-Type values make Werkzeug's form parser consume the body (so Flask-HMAC signs
b'' instead of the body). Needs Flask + Werkzeug installed (the reference: Flask 3.1.3,
Werkzeug 3.1.9); prints {"generated_by", "cases": [{"content_type", "consumed"}]}.

    gen_content_type_cases.py [N] [--sample K]

N random content types (default 13000, seed fixed) plus a fixed list of corner cases;
--sample K keeps every fixed case and K of the random ones (what
crates/hmac-auth/tests/data/werkzeug_content_types.json holds). Set
KEYAUTH_WERKZEUG_CT_CASES=<full output> to run the whole file in `cargo test -p hmac-auth`.
"""
import json, random, sys
from importlib.metadata import version
from flask import Flask, request

args = sys.argv[1:]
sample = None
if "--sample" in args:
    i = args.index("--sample")
    sample = int(args[i + 1])
    del args[i:i + 2]
n = int(args[0]) if args else 13000

app = Flask(__name__)
random.seed(11)
keys = ["boundary", "Boundary", "boundary*", "boundary*0", "boundary*1", "boundary*0*", "boundary*1*",
        "charset", "boundary ", " boundary", "bound\"ary", "boundary**", "*", "boundary*x"]
vals = ["abc", "\"abc\"", "\"\"", "\"a\\\"b\"", "\"unterminated", "utf-8''abc", "utf-8''%e9", "us-ascii''%41",
        "iso-8859-1''%e9x", "koi8''abc", "''abc", "'en'abc", "%22abc%22", "%22", "", "\u00e9", "\"\u00e9\"", "a b",
        "\"a;b\"", "x\\", "\"\\\\\"", "\"a\\b\"", "utf-8''", "UTF-8''ab%41"]
seps = [";", "; ", ";;", " ;", ";\t", ";\xa0", "; \t", ";\x1f"]
mimes = ["multipart/form-data", " multipart/form-data ", "Multipart/Form-Data", "multipart/form-data\xa0",
         "\tmultipart/form-data", "multipart/form-data\x85", "application/x-www-form-urlencoded",
         "application/x-www-form-urlencoded\xa0", " Application/X-WWW-Form-Urlencoded\t", "text/plain"]
fixed = [
    "multipart/form-data; boundary=xyz", "multipart/form-data", "multipart/form-data; boundary=",
    "multipart/form-data;boundary=\"\"", "multipart/form-data; boundary=\"a b\"",
    "multipart/form-data; boundary*=utf-8''%e9", "multipart/form-data; boundary*=utf-8''%41",
    "multipart/form-data; boundary*0=a; boundary*1=b", "multipart/form-data; boundary=\u00e9",
    "multipart/form-data; x=\"unterminated; boundary=abc", "multipart/form-data;\xa0boundary=abc",
    "multipart/form-data\xa0; boundary=abc", "application/x-www-form-urlencoded\xa0",
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8",
    "APPLICATION/X-WWW-FORM-URLENCODED", "application/x-url-encoded", "text/plain",
    "", ";", "multipart/form-data; boundary*=koi8''abc", "multipart/form-data; boundary**=abc",
]
rand = []
for _ in range(n):
    ct = random.choice(mimes)
    for _ in range(random.randint(0, 3)):
        ct += random.choice(seps) + random.choice(keys) + "=" + random.choice(vals)
    rand.append(ct)
if sample is not None:
    rand = random.Random(5).sample(rand, sample)


def consumed(ct):
    with app.test_request_context("/", method="POST", data=b"body", headers={"Content-Type": ct}):
        return request.data == b""


cases = [{"content_type": ct, "consumed": consumed(ct)} for ct in fixed + rand]
json.dump({
    "generated_by": "crates/hmac-auth/tools/gen_content_type_cases.py %s(Werkzeug %s, Flask %s): for each "
                    "Content-Type, whether flask.request.data is empty for a POST with body b'body' (the form "
                    "parser consumed it)" % ("--sample %d " % sample if sample is not None else "",
                                             version("werkzeug"), version("flask")),
    "cases": cases,
}, sys.stdout, indent=1, ensure_ascii=True)
sys.stdout.write("\n")
