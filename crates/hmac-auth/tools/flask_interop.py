"""Interop partner for crates/hmac-auth/tests/flask_interop.rs: the real Flask-HMAC.

Needs Flask and the flaskhmac 1.2.1 package (`flask_hmac`) importable (pins:
tools/flask-requirements.txt); set
KEYAUTH_FLASKHMAC_PATH to a directory holding it if it is not installed.

    flask_interop.py serve          run a Flask app protected by flask_hmac on 127.0.0.1,
                                    print "URL http://127.0.0.1:PORT", serve for at most 30 s
    flask_interop.py client PORT    sign requests with flask_hmac for a server on PORT and
                                    print {name: status} as one JSON line
"""
import http.client, json, os, sys, threading, time

sys.path.insert(0, os.environ.get("KEYAUTH_FLASKHMAC_PATH", ""))
from flask import Flask  # noqa: E402
from flask_hmac import Hmac  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

app = Flask(__name__)
app.config["HMAC_KEY"] = "s3cr3tk3y"
app.config["HMAC_KEYS"] = {"aservice": "akey", "bservice": "bkey"}
hm = Hmac(app)


@app.route("/a", methods=["GET", "POST", "PUT"])
@hm.auth()
def a():
    return "ok"


@app.route("/only", methods=["GET", "POST"])
@hm.auth(only=["bservice"])
def only():
    return "ok"


def serve():
    srv = make_server("127.0.0.1", 0, app)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("URL http://127.0.0.1:%d" % srv.server_port, flush=True)
    time.sleep(30)


def client(port):
    def send(method, path, body, headers):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request(method, path, body=body, headers=headers)
        return c.getresponse().status

    body = b'{"foo": "boo"}'
    with app.app_context():
        out = {
            "global": send("POST", "/a", body, {"Signature": hm.make_hmac(body).decode()}),
            "service_a": send("POST", "/a", body, {"Signature": hm.make_hmac_for("aservice", body).decode()}),
            "only_a": send("GET", "/only", b"", {"Signature": hm.make_hmac_for("aservice").decode()}),
            "only_b": send("GET", "/only", b"", {"Signature": hm.make_hmac_for("bservice").decode()}),
            "tampered": send("POST", "/a", b'{"foo": "bar"}', {"Signature": hm.make_hmac(body).decode()}),
            "form_unsigned": send("POST", "/a", b"amount=9", {"Signature": hm.make_hmac(b"").decode(),
                                  "Content-Type": "application/x-www-form-urlencoded"}),
            "missing": send("GET", "/a", b"", {}),
            "options": send("OPTIONS", "/a", b"", {"Origin": "http://app.example",
                                                   "Access-Control-Request-Method": "POST"}),
        }
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    serve() if sys.argv[1] == "serve" else client(int(sys.argv[2]))
