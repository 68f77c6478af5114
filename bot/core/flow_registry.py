"""Which flow versions exist: the current ones from the flows folder, and every
older version a check-in in progress may still need (kept in the database)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from flows.loader import FlowError, Problem, load_flow_source, load_flows
from flows.model import Flow
from storage import checkins


class FlowRegistry:
    def __init__(self, current: dict[str, Flow]) -> None:
        self.current = current
        self._by_version = {(flow.id, flow.version): flow for flow in current.values()}

    @classmethod
    def from_directory(cls, directory: Path) -> FlowRegistry:
        """Raises flows.loader.FlowError with every problem if any flow is invalid."""
        return cls(load_flows([directory]))

    def reload(self, directory: Path) -> list[Problem]:
        """Swap in every flow of ``directory`` at once, or, on any problem, change
        nothing and return the problems.  Older versions stay known, so a check-in
        in progress finishes on the version it began with."""
        try:
            flows = load_flows([directory])
        except FlowError as error:
            return error.problems
        self._by_version.update({(flow.id, flow.version): flow for flow in flows.values()})
        self.current = flows
        return []

    def remember_all(self, session: Session) -> None:
        for flow in self.current.values():
            checkins.remember_flow_version(session, flow.id, flow.version, flow.source)

    def version(self, session: Session, flow_id: str, version: str) -> Flow | None:
        """The exact version a check-in began with, even if its file changed since."""
        flow = self._by_version.get((flow_id, version))
        if flow is None:
            source = checkins.flow_source(session, flow_id, version)
            if source is None:
                return None
            flow = load_flow_source(source, f"{flow_id}.toml")
            self._by_version[(flow_id, version)] = flow
        return flow
