"""Run the sandbox standalone, so a bot in another process (or a coordinator) can use it.

python -m bot.sandbox --host 127.0.0.1 --port 8081 [--token T] [--no-limits]
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from .server import DEFAULT_TOKEN, Sandbox


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-username", default="checkin_sandbox_bot")
    parser.add_argument("--no-limits", action="store_true", help="disable the flood limits")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    sandbox = Sandbox(args.token, args.bot_username, limits=not args.no_limits)
    await sandbox.start(args.host, args.port)
    print(f"base_url    {sandbox.base_url}", flush=True)
    print(f"control_url {sandbox.control_url}", flush=True)
    print(f"token       {args.token}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await sandbox.stop()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(_serve(_parse_args(argv)))


if __name__ == "__main__":
    main()
