"""A scorer process for a small run: pandas is imported on the other core.

pandas and numpy are ~60 % of what a worker imports (~150 ms of a one-workbook run). For the
runs the early worker serves (headstart.py) the launcher first forks this scorer, which imports
pandas and the scoring modules while the early worker imports the rest and reads the workbooks.
The worker then hands it the tables to score (`score`) instead of importing pandas itself.

One client: the early worker, which inherits the connection (the launcher closes its own copy),
so the scorer ends when the worker does (end of file), or is killed when the command ends.
The scorer says ("ready",) once it has imported pandas; then ("score", evaluations, rules, db,
up_to_run) → ("ok", results), ("raised", error), or ("here", None) when the answer does not
pickle. The worker reads its first workbooks first and waits for ("ready",) when it scores
them — in `process` sending the pool a sign of life meanwhile (worker._await_scorer), so that
no file's time limit runs while pandas is imported, as before there was a scorer. A scorer that
does not come up within READY_TIMEOUT, or dies, is given up: the worker imports pandas itself
(a broken install then fails the run, 内部错误, as without a scorer, never a workbook). If what the scorer is sent or would send back does not
pickle, those tables are scored in the worker: the results are the same.

Only this module's own few imports may be at module level: the launcher imports it before the
fork, on the critical path.
"""
from __future__ import annotations

# Seconds the worker waits for the scorer to import pandas (~0.2 s) before it imports pandas
# itself: well under headstart.UP_TIMEOUT, within which the command waits for the worker.
READY_TIMEOUT = 10.0

_conn = None                # this process's connection to the scorer (in the early worker)
_ready = False              # the scorer has said it is ready


def connect(fd: int) -> None:
    """Score through the scorer at the other end of `fd` (the early worker, once forked)."""
    global _conn
    from multiprocessing.connection import Connection
    _conn = Connection(fd)


def connected() -> bool:
    return _conn is not None


def ready(timeout: float | None = None) -> bool:
    """Wait until the scorer has imported pandas (READY_TIMEOUT seconds at most): True when it
    scores for this process; False when there is none, or no more — it died or did not come up
    in time, and is given up (this process then scores itself)."""
    if pending(READY_TIMEOUT if timeout is None else timeout):
        give_up()
    return _conn is not None


def pending(timeout: float = 0.0) -> bool:
    """True while the scorer is still importing pandas (neither ready nor gone) after waiting
    `timeout` seconds for it."""
    global _ready
    if _conn is None or _ready:
        return False
    try:
        if not _conn.poll(timeout):
            return True
        if _conn.recv() == ("ready",):
            _ready = True
            return False
    except (EOFError, OSError):             # it died (e.g. pandas would not import)
        pass
    give_up()
    return False


def give_up() -> None:
    """No scorer any more: this process scores itself."""
    global _conn
    if _conn is not None:
        _conn.close()
        _conn = None


def score(evaluations: list, rules, db: str | None = None, up_to_run: int | None = None) -> list:
    """scoring.score(evaluations, rules, last year's figures from the store `db` as recorded up
    to run `up_to_run`): by the scorer when this process has one, here otherwise."""
    if ready():
        try:
            _conn.send(("score", evaluations, rules, db, up_to_run))
            kind, value = _conn.recv()
        except Exception:                # noqa: BLE001 — gone, or not picklable: score here
            give_up()
        else:
            if kind == "ok":
                return value
            if kind == "raised":
                raise value
    return _score_here(evaluations, rules, db, up_to_run)


def score_each(groups: list[list], rules, db: str | None = None,
               up_to_run: int | None = None) -> list:
    """Each group's results (a group: one workbook's tables), all scored in one pass; group by
    group if that fails, so that a group that cannot be scored gets its exception instead.
    Without a scorer the scoring modules are imported first: an install whose pandas does not
    import fails the run (内部错误); it is no workbook's fault."""
    if not ready():
        import xlsproc.score.scoring  # noqa: F401
    try:
        scored = iter(score([ev for group in groups for ev in group], rules, db, up_to_run))
        return [[next(scored) for _ in group] for group in groups]
    except Exception:                    # noqa: BLE001 — find out which group it was
        return [_alone(group, rules, db, up_to_run) for group in groups]


def _alone(group: list, rules, db: str | None, up_to_run: int | None):
    try:
        return score(group, rules, db, up_to_run)
    except Exception as exc:             # noqa: BLE001 — the caller reports it for this group
        return exc


def _score_here(evaluations: list, rules, db: str | None, up_to_run: int | None) -> list:
    from xlsproc.score.scoring import score as scored
    from xlsproc.store import last_year_lookup
    return scored(evaluations, rules, last_year_lookup(db, up_to_run))


def serve(fd: int) -> None:
    """The scorer (a forked child): import the scoring modules, then score what the early
    worker sends until it is gone."""
    from multiprocessing.connection import Connection

    from xlsproc.collector import paused, settle_worker
    conn = Connection(fd)
    with paused():                           # (launch.py paused the collector already)
        import xlsproc.score.scoring  # noqa: F401
    settle_worker()
    try:
        conn.send(("ready",))
    except OSError:                          # the worker is gone
        return
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):          # the worker is gone (or never came)
            return
        if not (isinstance(message, tuple) and message[0] == "score"):
            return
        _, evaluations, rules, db, up_to_run = message
        try:
            reply = ("ok", _score_here(evaluations, rules, db, up_to_run))
        except Exception as exc:             # noqa: BLE001 — the worker raises it
            reply = ("raised", exc)
        try:
            conn.send(reply)
        except OSError:                      # the worker is gone
            return
        except Exception:                    # noqa: BLE001 — a result or error that does not
            conn.send(("here", None))        # pickle: the worker scores these tables itself
