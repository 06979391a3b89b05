"""Seeds a fresh psono-server the way the Psono web client would: runs inside the server's
own `manage.py shell` (its models, its create_user), with PyNaCl for the client-side
cryptography (secretbox = tag||ciphertext hex, keys encrypted as their hex text).

Writes a JSON document to $PSONO2_SEED_OUT: the server signature, three API keys
(full: read+write unrestricted; restricted_write: restricted to secrets, read+write;
readonly: restricted, read only) and the secrets with their plaintext fields.
Reads nothing else; no network.
"""
import json
import os
import uuid

import nacl.encoding
import nacl.public
import nacl.secret
import nacl.signing
import nacl.utils
from django.conf import settings

from restapi import models
from restapi.utils import create_user


def rand_hex():
    return nacl.utils.random(32).hex()


def seal(key_hex, plain):
    """secretbox under a hex key: (tag||ciphertext hex, nonce hex), as encryptData does."""
    if isinstance(plain, str):
        plain = plain.encode()
    nonce = nacl.utils.random(24)
    ct = nacl.secret.SecretBox(bytes.fromhex(key_hex)).encrypt(plain, nonce).ciphertext
    return ct.hex(), nonce.hex()


def js_json(obj):
    """JSON.stringify: compact, raw UTF-8."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


res = create_user("keyauth-ci@example.com", "correct horse battery staple 42", "ci@example.com")
if "error" in res:
    raise SystemExit("create_user: " + res["error"])
user = res["user"]
user_secret_key = res["secret_key_decrypted"].decode()
user_private_key = res["private_key_decrypted"].decode()

SECRETS = {
    "web": ("website_password", "Example", {
        "website_password_title": "Example",
        "website_password_url": "https://example.com/login",
        "website_password_username": "alice",
        "website_password_password": "pä$$ wörd 🔑",
        "website_password_notes": "first line\nsecond line",
        "website_password_url_filter": "example.com",
    }),
    "app": ("application_password", "Database", {
        "application_password_title": "Database",
        "application_password_username": "dbuser",
        "application_password_password": "hunter2",
        "application_password_notes": None,
    }),
    "env": ("environment_variables", "CI env", {
        "environment_variables_title": "CI env",
        "environment_variables_variables": [
            {"key": "DEPLOY_TOKEN", "value": "tok-ä€😀"},
            {"key": "REGION", "value": "eu-west-1"},
        ],
        "environment_variables_notes": "",
    }),
    "totp": ("totp", "TOTP", {
        "totp_title": "TOTP",
        "totp_code": "JBSWY3DPEHPK3PXP",
        "totp_digits": 6,
        "totp_algorithm": "SHA1",
        "totp_period": 30,
        "totp_notes": "",
    }),
    "note": ("note", "Note", {"note_title": "Note", "note_notes": "only through a session"}),
}

datastore_id = uuid.uuid4()
datastore_key = rand_hex()
items = {}
created = {}
for name, (kind, title, fields) in SECRETS.items():
    key = rand_hex()
    data, nonce = seal(key, js_json(fields))
    secret = models.Secret.objects.create(user=user, data=data.encode(), data_nonce=nonce)
    link_id = uuid.uuid4()
    items[name] = {
        "id": str(link_id), "type": kind, "name": title, "secret_id": str(secret.id),
        "secret_key": key,
    }
    if kind == "website_password":
        items[name]["urlfilter"] = "example.com"
    created[name] = (secret, key, link_id)

tree = {
    "datastore_id": str(datastore_id),
    "items": [items["web"], items["note"]],
    "folders": [{"id": str(uuid.uuid4()), "name": "CI", "items": [items["app"], items["env"], items["totp"]]}],
}
ds_data, ds_nonce = seal(datastore_key, js_json(tree))
ds_key_ct, ds_key_nonce = seal(user_secret_key, datastore_key)
datastore = models.Data_Store.objects.create(
    id=datastore_id, user=user, type="password", description="default", is_default=True,
    data=ds_data.encode(), data_nonce=ds_nonce, secret_key=ds_key_ct, secret_key_nonce=ds_key_nonce,
)
for secret, _, link_id in created.values():
    models.Secret_Link.objects.create(secret=secret, link_id=link_id, parent_datastore=datastore)


def api_key(title, read, write, restrict, attach):
    """psono-client api-keys.js createApiKey, then "add secret to API key" for each of attach."""
    seed = nacl.utils.random(32)
    secret_key = rand_hex()
    pk, pk_n = seal(user_secret_key, seed.hex())
    sk, sk_n = seal(user_secret_key, secret_key)
    upk, upk_n = seal(secret_key, user_private_key)
    usk, usk_n = seal(secret_key, user_secret_key)
    key = models.API_Key.objects.create(
        user=user, title=title,
        public_key=nacl.public.PrivateKey(seed).public_key.encode(nacl.encoding.HexEncoder).decode(),
        private_key=pk, private_key_nonce=pk_n, secret_key=sk, secret_key_nonce=sk_n,
        user_private_key=upk, user_private_key_nonce=upk_n,
        user_secret_key=usk, user_secret_key_nonce=usk_n,
        verify_key=nacl.signing.SigningKey(seed).verify_key.encode(nacl.encoding.HexEncoder).decode(),
        read=read, write=write, restrict_to_secrets=restrict, allow_insecure_access=False, active=True,
    )
    for name in attach:
        secret, skey, _ = created[name]
        wrapped, wrapped_n = seal(secret_key, skey)
        t, t_n = seal(user_secret_key, SECRETS[name][1])
        models.API_Key_Secret.objects.create(
            api_key=key, secret=secret, secret_key=wrapped, secret_key_nonce=wrapped_n,
            title=t, title_nonce=t_n,
        )
    return {"id": str(key.id), "private_key_hex": seed.hex(), "secret_key_hex": secret_key}


attached = ["web", "app", "env", "totp"]
doc = {
    "server_signature": nacl.signing.SigningKey(settings.PRIVATE_KEY, encoder=nacl.encoding.HexEncoder)
    .verify_key.encode(nacl.encoding.HexEncoder).decode(),
    "datastore_id": str(datastore_id),
    "keys": {
        "full": api_key("full", True, True, False, attached),
        "restricted_write": api_key("restricted write", True, True, True, attached),
        "readonly": api_key("read only", True, False, True, ["web"]),
    },
    "secrets": {
        name: {"id": str(created[name][0].id), "type": SECRETS[name][0], "fields": SECRETS[name][2]}
        for name in SECRETS
    },
}
with open(os.environ["PSONO2_SEED_OUT"], "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, indent=1)
print("seeded", len(SECRETS), "secrets and", len(doc["keys"]), "api keys")
