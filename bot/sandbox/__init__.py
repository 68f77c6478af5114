"""A local Telegram Bot API server for tests, the demo and trying flows.

The real python-telegram-bot Application runs against it over HTTP
(`ApplicationBuilder().token(TOKEN).base_url(sandbox.base_url)`), and it enforces Telegram's
rules (HTML, lengths, callback data, flood limits, blocked users) so bugs show up here first.
"""

from .client import SandboxClient, SandboxError
from .server import DEFAULT_TOKEN, Sandbox

__all__ = ["DEFAULT_TOKEN", "Sandbox", "SandboxClient", "SandboxError"]
