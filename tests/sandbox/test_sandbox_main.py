"""`python -m bot.sandbox` serves a bot in another process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx

from bot.sandbox import SandboxClient

ROOT = Path(__file__).resolve().parents[2]


async def test_standalone_server() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.sandbox",
        "--port",
        "0",
        "--token",
        "9:T",
        "--no-limits",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        base_url = (await asyncio.wait_for(process.stdout.readline(), 10)).split()[1].decode()
        control_url = (await process.stdout.readline()).split()[1].decode()
        async with httpx.AsyncClient() as http:
            me = (await http.get(f"{base_url}9:T/getMe")).json()
        assert me["result"]["id"] == 9
        async with SandboxClient(control_url) as client:
            assert (await client.stats())["limits_enabled"] is False
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
