"""`xlsproc serve`: the batch pipeline as a small web service on the bureau's own network.

Departments open a page, choose their unit and drop their workbooks; they see at once each
table's scores and problems and download the annotated copy. The bureau's page (behind a
token) shows who has submitted, who has not (the roster) and who has errors, with the district
workbook and each unit's return pack. A JSON API sits beside the pages. See app.py (web side)
and service.py (INBOX, OUTBOX and the batch).
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Callable

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def new_token() -> str:
    return secrets.token_urlsafe(18)


def serve(inbox: str | Path, outbox: str | Path, *, roster: str | Path | None = None,
          host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, token: str | None = None,
          rules=None, jobs: int | None = None, timeout: float | None = None,
          announce: Callable[[str, str], None] | None = None) -> None:
    """Run until interrupted. announce(url, token) is called once, before serving."""
    import uvicorn

    from xlsproc.batch.run import DEFAULT_TIMEOUT
    from xlsproc.serve.app import create_app
    from xlsproc.serve.service import Service
    service = Service(inbox, outbox, rules, roster=roster, jobs=jobs,
                      timeout=timeout or DEFAULT_TIMEOUT)
    token = token or new_token()
    app = create_app(service, token)
    if announce:
        shown = f"[{host}]" if ":" in host else host
        announce(f"http://{shown}:{port}/", token)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                server_header=False, timeout_graceful_shutdown=10)
