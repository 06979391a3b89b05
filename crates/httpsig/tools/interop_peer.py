#!/usr/bin/env python3
"""The independent peer of tests/interop.rs: http-message-signatures 3.x (PyPI) over real HTTP
on 127.0.0.1.

    interop_peer.py client URL ALG KEYFILE KEYID   signs requests and sends them; prints one
                                                   JSON line per case: {"case", "status", "body"}
    interop_peer.py server ALG KEYFILE KEYID       verifies requests; prints "PORT n", answers
                                                   200 "ok <label>" or 401 "<reason>"; exits after
                                                   60 s (bounded even if the test dies)

ALG is hmac-sha256 (KEYFILE = the raw secret) or ed25519 (KEYFILE = PKCS#8 PEM private key for
the client, SPKI PEM public key for the server).
"""
import json
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from http_message_signatures import HTTPMessageSigner, HTTPMessageVerifier, InvalidSignature, MappingKeyResolver
from http_message_signatures.algorithms import ED25519, HMAC_SHA256

ALGS = {"hmac-sha256": HMAC_SHA256, "ed25519": ED25519}


def client(url, alg, keyfile, keyid):
    raw = open(keyfile, "rb").read()
    key = raw if alg == "hmac-sha256" else load_pem_private_key(raw, None)
    signer = HTTPMessageSigner(signature_algorithm=ALGS[alg],
                               key_resolver=MappingKeyResolver(public_keys={}, private_keys={keyid: key}))
    session = requests.Session()

    def signed(body=b'{"item": 1}', ctype="application/json"):
        req = requests.Request("POST", url, data=body, headers={"Content-Type": ctype}).prepare()
        signer.sign(req, key_id=keyid, label="py", nonce=secrets.token_urlsafe(16), body=req.body,
                    covered_component_ids=("@method", "@authority", "@target-uri", "content-type"))
        return req

    def send(case, req):
        r = session.send(req, timeout=10)
        print(json.dumps({"case": case, "status": r.status_code, "body": r.text.strip()}), flush=True)

    good = signed()
    send("good", good)
    send("replayed", good)
    tampered = signed()
    tampered.body = b'{"item": 2}'
    send("tampered_body", tampered)
    header = signed()
    header.headers["Content-Type"] = "text/plain"
    send("tampered_header", header)
    unsigned = requests.Request("POST", url, data=b"{}").prepare()
    send("unsigned", unsigned)


class Msg:
    def __init__(self, method, url, headers):
        self.method, self.url, self.headers = method, url, headers


def server(alg, keyfile, keyid):
    raw = open(keyfile, "rb").read()
    key = raw if alg == "hmac-sha256" else load_pem_public_key(raw)
    verifier = HTTPMessageVerifier(signature_algorithm=ALGS[alg],
                                   key_resolver=MappingKeyResolver(public_keys={keyid: key}, private_keys={}))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def handle_one(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n)
            msg = Msg(self.command, f"http://{self.headers['Host']}{self.path}", self.headers)
            try:
                results = verifier.verify(msg, body=body, max_age=None,
                                          require_components=("@method", "@authority", "@target-uri"))
                code, text = 200, f"ok {results[0].label}"
            except Exception as e:  # InvalidSignature and friends: refused
                code, text = 401, f"{type(e).__name__}: {e}"
            out = text.encode()
            self.send_response(code)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST = do_PUT = handle_one

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {httpd.server_address[1]}", flush=True)
    threading.Timer(60, httpd.shutdown).start()
    httpd.serve_forever()


if __name__ == "__main__":
    if sys.argv[1] == "client":
        client(*sys.argv[2:6])
    else:
        server(*sys.argv[2:5])
