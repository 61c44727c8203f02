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


def lan_address() -> str | None:
    """This machine's address on the office network (what departments type), if it has one.
    A UDP socket 'connected' to a private address sends nothing; it only picks the interface."""
    import socket
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


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
    service.claim()                 # before the banner: a second server on OUTBOX stops here
    token = token or new_token()
    app = create_app(service, token)
    if announce:
        shown = host
        if host in ("0.0.0.0", "::"):
            shown = lan_address() or host
        shown = f"[{shown}]" if ":" in shown else shown
        announce(f"http://{shown}:{port}/", token)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                server_header=False, timeout_graceful_shutdown=10)
