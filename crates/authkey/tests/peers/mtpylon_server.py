"""mtpylon 0.0.3's own server (aiohttp, WebSocket at /ws) on 127.0.0.1, for
crates/authkey/tests/live_mtpylon.rs.

Generates a 2048-bit RSA key, serves on a free port with mtpylon's offline DH-prime source
(`mtpylon.dh_prime_generators.single_prime`; the default `two_ton` downloads primes from the
internet), and prints, flushing each line:

    listening <port> <n as hex> <e as hex>
    key <auth key id: its 8 wire bytes as 16 lowercase hex digits>   (one per key stored)

It runs until killed (the Rust test kills it).
"""
import asyncio
import logging
import sys

import rsa
from aiohttp import web

from mtpylon import Schema
from mtpylon.configuration import configure_app
from mtpylon.crypto.auth_key_manager import AuthKeyManager
from mtpylon.crypto.rsa_manager import KeyPair


class PrintingAuthKeyManager(AuthKeyManager):
    """mtpylon's in-memory manager, printing each key id as it is stored."""

    async def set_key(self, value):
        await super().set_key(value)
        # AuthKey.id is SHA1(key)[12..20] read big-endian: back to its wire bytes.
        print(f"key {value.id.to_bytes(8, 'big').hex()}", flush=True)


async def main():
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    public, private = rsa.newkeys(2048)
    app = web.Application()
    configure_app(
        app,
        Schema(constructors=[], functions=[]),
        {
            "rsa_manager": {"params": {"rsa_keys": [KeyPair(private=private, public=public)]}},
            "auth_key_manager": {"manager": "__main__.PrintingAuthKeyManager"},
            "dh_prime_generator": {
                "generator": "mtpylon.dh_prime_generators.single_prime.generate"
            },
        },
    )
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f"listening {port} {public.n:x} {public.e:x}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
