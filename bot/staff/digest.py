"""Alerts and digests for facilitators: data from storage, rendered with Jinja2
(sandboxed, autoescaped: partner text is always escaped), split for Telegram at
item boundaries, each piece carrying the buttons of the flags it shows.

Urgent flags alert at once; high ones when the partner's check-in ends; everything
else waits for each facilitator's digest, on their own schedule, so nobody is flooded."""

from __future__ import annotations

import base64
import io
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import FileSystemLoader, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from sqlmodel import Session

from bot.core.callbacks import FlagAction
from bot.core.config import DAYS, Settings
from bot.core.flow_registry import FlowRegistry
from bot.core.runtime import Runtime
from bot.core.telegram_format import split_html, text_payload
from storage import digests, flags, outbox, projects
from storage.models import Answer, Flag, Membership, Person

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
NEED_LABELS = {
    "payment": "Payment",
    "expenses": "Expenses",
    "access": "Access",
    "support": "Support",
    "trust": "Trust and respect",
    "influence": "Influence",
    "capacity": "Learning and leading",
    "safety": "Safety",
    "other": "Something else",
}
#: which needs feed which trend line
TREND_GROUPS = {
    "trust": "trust",
    "influence": "influence",
    "payment": "needs met",
    "expenses": "needs met",
    "access": "needs met",
    "support": "needs met",
}
TREND_NAMES = ("trust", "influence", "needs met")
#: templates mark each flag item with <b>#ID</b>; partner text cannot forge it (it is escaped)
FLAG_MARK = re.compile(r"<b>#(\d+)</b>")
BLANK_LINES = re.compile(r"\n\s*\n")
#: Telegram allows 100 buttons a message; three a flag
MAX_FLAGS_PER_MESSAGE = 30
ALERT_AT_ONCE = ("urgent",)
ALERT_AT_CHECKIN_END = ("urgent", "high")
ANONYMOUS_PERIOD = timedelta(days=30)


@dataclass(frozen=True)
class FlagView:
    flag: Flag
    partner: str
    need: str
    evidence: list[Answer]
    is_new: bool = False
    overdue: bool = False
    age_days: int = 0


@dataclass(frozen=True)
class AnonymousView:
    """An anonymous question's answers: counts only, and only from k partners up."""

    question: str
    total: int
    counts: list[tuple[str, int]] | None  # None: too few to show


@dataclass
class ProjectDigest:
    id: str
    name: str
    overdue: list[FlagView] = field(default_factory=list)
    new: list[FlagView] = field(default_factory=list)
    open: list[FlagView] = field(default_factory=list)
    quiet: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)
    anonymous: list[AnonymousView] = field(default_factory=list)
    trends: dict[str, list[tuple[datetime, float | None]]] = field(default_factory=dict)
    trend_line: str = ""

    @property
    def has_news(self) -> bool:
        return bool(self.overdue or self.new)


@dataclass(frozen=True)
class Digest:
    """What one facilitator gets: messages (with buttons) and an optional chart."""

    messages: list[dict[str, object]]
    chart_png: bytes | None
    chart_caption: str


def environment(extra_folder: Path | None = None) -> SandboxedEnvironment:
    """Templates from the config's folder first (coordinators may override), then ours."""
    folders = [str(extra_folder)] if extra_folder else []
    return SandboxedEnvironment(
        loader=FileSystemLoader([*folders, str(TEMPLATES)]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def flag_buttons(flag: Flag) -> list[tuple[str, str]]:
    """Acknowledge (while open), Resolve and Won't fix, labelled with the flag's number."""
    assert flag.id is not None
    row = [] if flag.status != "open" else [(f"Acknowledge #{flag.id}", FlagAction("acknowledge", flag.id).data())]
    row += [
        (f"Resolve #{flag.id}", FlagAction("resolve", flag.id).data()),
        (f"Won't fix #{flag.id}", FlagAction("wontfix", flag.id).data()),
    ]
    return row


def with_buttons(html: str, session: Session) -> list[dict[str, object]]:
    """Split rendered HTML for Telegram; each piece carries the buttons of its flags."""
    payloads: list[dict[str, object]] = []
    for piece in _pieces(html):
        rows = []
        for flag_id in dict.fromkeys(int(i) for i in FLAG_MARK.findall(piece)):
            flag = flags.get_flag(session, flag_id)
            if flag is not None and flag.status in flags.OPEN_STATUSES:
                rows.append(flag_buttons(flag))
        payloads.append(text_payload(piece, rows or None))
    return payloads


def _pieces(html: str) -> list[str]:
    pieces: list[str] = []
    for piece in split_html(html):
        current: list[str] = []
        count = 0
        for block in piece.split("\n\n"):
            marks = len(FLAG_MARK.findall(block))
            if current and count + marks > MAX_FLAGS_PER_MESSAGE:
                pieces.append("\n\n".join(current))
                current, count = [], 0
            current.append(block)
            count += marks
        pieces.append("\n\n".join(current))
    return pieces


def view_of(
    session: Session,
    flag: Flag,
    person: Person | None,
    now: datetime,
    settings: Settings,
    since: datetime | None = None,
    evidence: list[Answer] | None = None,
) -> FlagView:
    """A flag as facilitators see it; ``evidence`` when the caller read many flags' at once."""
    if evidence is None:
        evidence = flags.evidence_of(session, flag.id)  # type: ignore[arg-type]
    sla = settings.flags.sla_hours.get(flag.severity)
    return FlagView(
        flag=flag,
        partner=person.first_name
        if person
        else ("Someone (anonymous)" if flag.need == "safety" else "A partner who left"),
        need=NEED_LABELS.get(flag.need, flag.need),
        evidence=[_one_block(a) for a in evidence],
        is_new=since is not None and flag.opened_at >= since,
        overdue=flag.escalated_at is not None
        or (flag.status == "open" and sla is not None and flag.opened_at + timedelta(hours=sla) <= now),
        age_days=(now - flag.opened_at).days,
    )


def _one_block(answer: Answer) -> Answer:
    """Blank lines in a partner's answer would be split points: keep each item one block
    (a copy only when there are any: a digest shows hundreds of answers)."""
    if not BLANK_LINES.search(answer.display):
        return answer
    return answer.model_copy(update={"display": BLANK_LINES.sub("\n", answer.display)})


# -- alerts: at once for urgent flags, at check-in end for high ones ---------------------------


def queue_alerts(session: Session, rt: Runtime, project_id: str, now: datetime, checkin_ended: bool = True) -> None:
    """Tell the project's facilitators about flags they must hear of before the digest."""
    severities = ALERT_AT_CHECKIN_END if checkin_ended else ALERT_AT_ONCE
    fresh = flags.flags_not_alerted(session, project_id, severities)
    if not fresh:
        return
    facilitators = projects.people_with_role(session, project_id, "facilitator")
    if not facilitators:
        log.warning("project %s has new flags but no facilitator has started the bot yet", project_id)
        return
    fresh = flags.claim_for_alert(session, fresh, now)  # once each, whatever runs at the same time
    if not fresh:
        return
    project = projects.get_project(session, project_id)
    views = [view_of(session, flag, _person(session, flag), now, rt.settings, since=flag.opened_at) for flag in fresh]
    html = (
        environment(rt.settings.digest.templates)
        .get_template("alert.html.j2")
        .render(project_name=project.name if project else project_id, flags=views, now=now)
    )
    messages = with_buttons(html, session)
    for facilitator in facilitators:
        for payload in messages:
            outbox.enqueue(session, facilitator.chat_id, "sendMessage", payload, now)
    log.info("alerted %d facilitator(s) of project %s about %d flag(s)", len(facilitators), project_id, len(fresh))


def _person(session: Session, flag: Flag) -> Person | None:
    return session.get(Person, flag.person_id) if flag.person_id is not None else None


# -- digests -----------------------------------------------------------------------------------


def build_digest(
    session: Session,
    settings: Settings,
    registry: FlowRegistry,
    person: Person,
    project_ids: list[str],
    since: datetime,
    now: datetime,
) -> Digest:
    """One facilitator's digest across their projects."""
    project_digests = [_project_digest(session, settings, registry, pid, since, now) for pid in project_ids]
    env = environment(settings.digest.templates)
    if not any(p.has_news for p in project_digests):
        if settings.digest.skip_empty:
            return Digest([], None, "")
        open_count = sum(len(p.open) for p in project_digests)
        html = env.get_template("digest_empty.html.j2").render(
            first_name=person.first_name, since=since, open_count=open_count
        )
        return Digest([text_payload(html.strip())], None, "")
    html = env.get_template("digest.html.j2").render(
        first_name=person.first_name,
        projects=project_digests,
        since=since,
        now=now,
        min_group=settings.digest.min_group,
    )
    caption = "\n".join(p.trend_line for p in project_digests)
    chart = trend_chart(project_digests) if any(_has_points(p) for p in project_digests) else None
    return Digest(with_buttons(html, session), chart, caption)


def _project_digest(
    session: Session, settings: Settings, registry: FlowRegistry, project_id: str, since: datetime, now: datetime
) -> ProjectDigest:
    project = projects.get_project(session, project_id)
    result = ProjectDigest(id=project_id, name=project.name if project else project_id)
    evidence = flags.evidence_of_open_flags(session, project_id)
    views = [
        view_of(session, flag, person, now, settings, since, evidence.get(flag.id, []))  # type: ignore[arg-type]
        for flag, person in flags.find_flags(session, project_ids=[project_id], statuses=list(flags.OPEN_STATUSES))
    ]
    for view in views:
        (result.overdue if view.overdue else result.new if view.is_new else result.open).append(view)
    quiet_since = now - timedelta(days=settings.digest.quiet_days)
    for partner in digests.partner_activity(session, project_id):
        if partner.status == "unreachable":
            result.unreachable.append(partner.first_name)
        elif partner.paused:
            result.paused.append(partner.first_name)
        elif (partner.last_answer_at or partner.created_at) < quiet_since:
            result.quiet.append(partner.first_name)
    k = settings.digest.min_group
    for question, counts in digests.anonymous_counts(session, project_id, now - ANONYMOUS_PERIOD).values():
        total = sum(counts.values())
        result.anonymous.append(AnonymousView(question, total, counts.most_common() if total >= k else None))
    result.trends = trends(session, registry, project_id, now, settings.digest.weeks, k)
    result.trend_line = trend_line(result)
    return result


def trend_steps(registry: FlowRegistry) -> dict[tuple[str, str], str]:
    """(flow, step) -> trend line, for steps whose flag rule names a tracked need."""
    steps: dict[tuple[str, str], str] = {}
    for flow in registry.current.values():
        for step in flow.steps:
            for rule in step.flags:
                if rule.need in TREND_GROUPS and not step.anonymous:
                    steps[(flow.id, step.id)] = TREND_GROUPS[rule.need]
    return steps


def trends(
    session: Session, registry: FlowRegistry, project_id: str, now: datetime, weeks: int, k: int
) -> dict[str, list[tuple[datetime, float | None]]]:
    """Per week, the share of answers where the need was met (no flag raised).

    A week with answers from fewer than ``k`` partners shows no point."""
    start = now - timedelta(weeks=weeks)
    starts = [start + timedelta(weeks=week) for week in range(weeks)]
    counts = digests.trend_counts(session, project_id, trend_steps(registry), starts)
    series: dict[str, list[tuple[datetime, float | None]]] = {}
    for name in TREND_NAMES:
        points: list[tuple[datetime, float | None]] = []
        for week in range(weeks):
            count = counts.get((name, week))
            shown = count is not None and count.partners >= k
            points.append(
                (start + timedelta(weeks=week + 1), 100.0 * count.met / count.answers if count and shown else None)
            )
        series[name] = points
    return series


def _has_points(project: ProjectDigest) -> bool:
    return any(value is not None for points in project.trends.values() for _, value in points)


def trend_line(project: ProjectDigest) -> str:
    """The chart in one sentence, for screen-reader users."""
    parts = []
    for name, points in project.trends.items():
        values = [value for _, value in points if value is not None]
        if not values:
            parts.append(f"{name}: not enough answers")
        elif len(values) == 1:
            parts.append(f"{name} {values[0]:.0f}%")
        else:
            parts.append(f"{name} {values[0]:.0f}% to {values[-1]:.0f}%")
    return f"{project.name}, last {len(next(iter(project.trends.values()), []))} weeks: " + "; ".join(parts) + "."


def trend_chart(project_digests: list[ProjectDigest]) -> bytes:
    """A small PNG: one panel per project, one line per trend (Agg: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(len(project_digests), 1, figsize=(7, 2.6 * len(project_digests)), squeeze=False)
    for axis, project in zip(axes[:, 0], project_digests, strict=True):
        for name, points in project.trends.items():
            xs = [at for at, value in points if value is not None]
            ys = [value for _, value in points if value is not None]
            axis.plot(xs, ys, marker="o", label=name)
        axis.set_title(project.name)
        axis.set_ylim(0, 100)
        axis.set_ylabel("% met")
        axis.legend(loc="lower left", fontsize="small")
        axis.tick_params(axis="x", labelsize="small")
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    pyplot.close(figure)
    return buffer.getvalue()


# -- schedules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestSchedule:
    days: list[str]
    at: time
    zone: ZoneInfo


def schedule_of(settings: Settings, person: Person, project_ids: list[str]) -> DigestSchedule:
    """The facilitator's own schedule, else the default; their time zone, else their first project's."""
    own = next((p for p in settings.digest.people if p.telegram_id == person.telegram_user_id), None)
    project = settings.project(project_ids[0]) if project_ids else None
    zone = (own.timezone if own else None) or person.timezone or (project.timezone if project else "UTC")
    return DigestSchedule(
        days=(own.days if own and own.days else settings.digest.days),
        at=(own.time if own and own.time else settings.digest.time),
        zone=ZoneInfo(zone),
    )


def next_slot(schedule: DigestSchedule, after: datetime) -> datetime:
    """The first digest time strictly after ``after``."""
    local = after.astimezone(schedule.zone)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        slot = datetime.combine(day, schedule.at, schedule.zone)
        if DAYS[day.weekday()] in schedule.days and slot > local:
            return slot.astimezone(after.tzinfo)
    raise ValueError("a digest schedule needs at least one day")


def previous_slot(schedule: DigestSchedule, before: datetime) -> datetime:
    """The last digest time at or before ``before``: what counts as new is newer than it."""
    local = before.astimezone(schedule.zone)
    for offset in range(8):
        day = local.date() - timedelta(days=offset)
        slot = datetime.combine(day, schedule.at, schedule.zone)
        if DAYS[day.weekday()] in schedule.days and slot <= local:
            return slot.astimezone(before.tzinfo)
    return before - timedelta(days=7)


def facilitator_projects(session: Session, person: Person) -> list[str]:
    return [m.project_id for m in projects.memberships_of(session, person.id, "facilitator") if m.status == "active"]  # type: ignore[arg-type]


def digest_for(session: Session, rt: Runtime, person: Person, now: datetime, since: datetime | None = None) -> Digest:
    project_ids = facilitator_projects(session, person)
    schedule = schedule_of(rt.settings, person, project_ids)
    return build_digest(
        session,
        rt.settings,
        rt.flows,
        person,
        project_ids,
        since or previous_slot(schedule, now - timedelta(seconds=1)),
        now,
    )


def queue_digest(session: Session, person: Person, digest: Digest, now: datetime) -> None:
    for payload in digest.messages:
        outbox.enqueue(session, person.chat_id, "sendMessage", payload, now)
    if digest.chart_png is not None:
        payload = {
            "content_b64": base64.b64encode(digest.chart_png).decode(),
            "filename": "trend.png",
            "caption": _caption(digest.chart_caption),
            "parse_mode": "HTML",
        }
        outbox.enqueue(session, person.chat_id, "sendPhoto", payload, now)


def _caption(text: str) -> str:
    """Telegram captions hold 1024 characters."""
    return escape(text[:1000], quote=False)


def send_due_digests(rt: Runtime) -> int:
    """Queue every facilitator's digest that has come due; plan the first one for newcomers."""
    now = rt.clock.now()
    sent = 0
    with rt.db.session() as session:
        by_person: dict[int, list[Membership]] = defaultdict(list)
        for membership in digests.facilitator_memberships(session):
            by_person[membership.person_id].append(membership)
        for person_id, memberships in by_person.items():
            person = session.get(Person, person_id)
            if person is None:
                continue
            schedule = schedule_of(rt.settings, person, [m.project_id for m in memberships])
            if not schedule.days:
                continue
            due = [m.next_digest_at for m in memberships if m.next_digest_at is not None]
            if len(due) == len(memberships) and min(due) > now:
                continue
            # after downtime, a digest more than missed_after_hours late is skipped, not sent late
            if due and min(due) <= now < min(due) + timedelta(hours=rt.settings.scheduler.missed_after_hours):
                since = previous_slot(schedule, min(due) - timedelta(seconds=1))
                queue_digest(session, person, digest_for(session, rt, person, now, since), now)
                sent += 1
            following = next_slot(schedule, now)
            for membership in memberships:
                membership.next_digest_at = following
    if sent:
        log.info("queued %d digest(s)", sent)
    return sent
