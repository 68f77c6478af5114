"""The hourly prune is wired in (bot/app.py), prunes with ``[storage] keep_days`` and logs
counts, never partner text; keep_days under 2 is refused with the reason."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.app import build_application
from bot.core.clock import ShiftedClock
from bot.core.config import ConfigError, Settings, load_settings
from bot.delivery import housekeeping
from bot.running import prepare_runtime
from storage.models import InboxUpdate

LIBRARY = Path(__file__).resolve().parents[1] / "flows" / "library"


def _settings(database_url: str, keep_days: int = 30) -> Settings:
    return Settings.model_validate(
        {
            "telegram": {"token": "123456:TEST"},
            "storage": {"url": database_url, "keep_days": keep_days},
            "flows": {"directory": str(LIBRARY)},
        }
    )


async def test_the_prune_runs_hourly_and_logs_counts_without_partner_text(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ShiftedClock()
    rt = prepare_runtime(_settings(database_url, keep_days=7), clock)
    application = build_application(rt)
    assert application.job_queue is not None
    [job] = application.job_queue.get_jobs_by_name("prune")
    assert job.callback is housekeeping.prune
    assert job.job.trigger.interval == housekeeping.INTERVAL

    with rt.db.session() as session:
        session.add(
            InboxUpdate(
                update_id=1,
                chat_id=1,
                payload={"message": {"text": "Sam feels low"}},
                status="done",
                received_at=clock.now() - timedelta(days=2),
            )
        )
    with caplog.at_level(logging.INFO, logger="bot.delivery.housekeeping"):
        await housekeeping.prune(SimpleNamespace(bot_data={"runtime": rt}))  # type: ignore[arg-type]
    assert "inbox_done 1" in caplog.text
    assert "Sam" not in caplog.text
    rt.db.dispose()


def test_keep_days_under_two_is_refused_with_the_reason(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[storage]\nkeep_days = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"storage\.keep_days: .*keep at least 2 days: Telegram may send"):
        load_settings(config)
    assert Settings().storage.keep_days == 30
