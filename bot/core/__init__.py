"""What every room needs: the runtime, config, clock, who sent an update, the
per-update unit of work, callback formats, texts, roles and schedules.
Core imports nothing else from ``bot``."""
