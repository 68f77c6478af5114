"""The Telegram adapter: handlers, outbox, scheduler, CLI and the sandbox."""
