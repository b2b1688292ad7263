#!/usr/bin/env python3
"""The network between the gateways and their origin: a TCP relay from LISTEN_PORT to TARGET_PORT on
loopback. Killing it is the origin going unreachable as a deployment sees it (connections reset, new
ones refused) while the origin itself, like KVS, keeps its sessions; starting it again is the origin
back. Usage: relay.py LISTEN_PORT TARGET_PORT"""
import asyncio
import sys


async def pump(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except (ConnectionError, OSError):
            pass


async def main(listen, target):
    async def accept(client_reader, client_writer):
        try:
            origin_reader, origin_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pump(client_reader, origin_writer), pump(origin_reader, client_writer))

    server = await asyncio.start_server(accept, "127.0.0.1", listen, reuse_address=True)
    async with server:
        await server.serve_forever()


asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
