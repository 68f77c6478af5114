"""The flow language and engine: pure, no Telegram and no SQL."""
