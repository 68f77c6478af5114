"""Telling a database outage from a bug, so an update is tried again rather than set aside."""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc


def is_outage(error: BaseException) -> bool:
    """The database could not be reached or was busy (a lost connection, a restart, SQLite
    locked past its timeout): the same work will succeed once it is back.  A constraint
    violation or a bad statement is not an outage: trying again changes nothing."""
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, exc.DisconnectionError)):
        return True
    return isinstance(error, sqlite3.OperationalError)
