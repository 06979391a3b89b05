"""A real Telethon 1.45.0 client against a keyauth server: for each transport named on the
command line, create an auth key, send an encrypted ping, wait for the pong, and print
`<transport> <auth_key_id as 16 hex digits, wire order> pong <ping_id>`.

usage: telethon_client.py HOST PORT N_HEX E_HEX TRANSPORT...
"""
import asyncio
import hashlib
import logging
import sys

import rsa as pyrsa
from telethon.crypto import rsa
from telethon.network import connection as conns
from telethon.network.mtprotosender import MTProtoSender
from telethon.tl.functions import PingRequest

TRANSPORTS = {
    "full": conns.ConnectionTcpFull,
    "abridged": conns.ConnectionTcpAbridged,
    "intermediate": conns.ConnectionTcpIntermediate,
    "obfuscated_abridged": conns.ConnectionTcpObfuscated,
}


class Loggers(dict):
    def __missing__(self, key):
        return logging.getLogger(key)


async def one(host, port, name):
    loggers = Loggers()
    sender = MTProtoSender(None, loggers=loggers, retries=3, auto_reconnect=False)
    conn = TRANSPORTS[name](host, port, 2, loggers=loggers)
    await asyncio.wait_for(sender.connect(conn), 60)
    key = sender.auth_key.key
    # Telethon keeps g^ab at its minimal length (spec §9); every other peer pads to 256.
    if len(key) != 256:
        raise SystemExit(f"{name}: telethon made a {len(key)}-byte key")
    key_id = hashlib.sha1(key).digest()[12:20].hex()
    pong = await asyncio.wait_for(sender.send(PingRequest(ping_id=0x1234_5678)), 30)
    await sender.disconnect()
    print(f"{name} {key_id} pong {pong.ping_id}", flush=True)


async def main():
    host, port, n, e, *names = sys.argv[1:]
    rsa.add_key(pyrsa.PublicKey(int(n, 16), int(e, 16)).save_pkcs1(), old=False)
    for name in names:
        await one(host, int(port), name)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main())
