#!/usr/bin/env python3
"""Two commands for a fresh machine with only Python 3.11+:

    python3 quickstart.py demo     # the bot, a local Telegram sandbox and a scripted partner
    python3 quickstart.py test     # the whole test suite

Each creates ./.venv and installs the project into it on first use (and again
whenever pyproject.toml changes), then runs the command inside it.  Anything
after the command is passed on: `python3 quickstart.py test -k consent`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed-from"


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - run by whatever python3 a newcomer has
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing the bot and its test tools into .venv (first run only) ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def main() -> int:
    commands = {
        "demo": [str(BIN / "checkin"), "demo"],
        "test": [str(BIN / "python"), "-m", "pytest"],
    }
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    ensure_environment()
    return subprocess.run([*commands[sys.argv[1]], *sys.argv[2:]], cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
