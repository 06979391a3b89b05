"""Which Content-Type values make Werkzeug's form parser consume the body (so Flask-HMAC signs
b'' instead of the body). Needs Flask + Werkzeug installed; prints a JSON list of
[content_type, consumed]. crates/hmac-auth/tests/data/werkzeug_content_types.json is a sample
of its output (Werkzeug 3.1.8, Flask 3.1.3)."""
import json, random, sys
from flask import Flask, request

app = Flask(__name__)
random.seed(11)
keys = ["boundary", "Boundary", "boundary*", "boundary*0", "boundary*1", "boundary*0*", "boundary*1*",
        "charset", "boundary ", " boundary", "bound\"ary"]
vals = ["abc", "\"abc\"", "\"\"", "\"a\\\"b\"", "\"unterminated", "utf-8''abc", "utf-8''%e9", "us-ascii''%41",
        "iso-8859-1''%e9x", "koi8''abc", "''abc", "'en'abc", "%22abc%22", "%22", "", "\u00e9", "\"\u00e9\"", "a b",
        "\"a;b\"", "x\\", "\"\\\\\""]
seps = [";", "; ", ";;", " ;", ";\t", ";\xa0"]
out = []
for _ in range(8000):
    ct = random.choice(["multipart/form-data", " multipart/form-data ", "Multipart/Form-Data", "multipart/form-data\xa0",
                        "application/x-www-form-urlencoded", "text/plain"])
    for _ in range(random.randint(0, 3)):
        ct += random.choice(seps) + random.choice(keys) + "=" + random.choice(vals)
    with app.test_request_context("/", method="POST", data=b"body", headers={"Content-Type": ct}):
        out.append([ct, request.data == b""])
json.dump(out, sys.stdout, ensure_ascii=True)
