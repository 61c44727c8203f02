"""The web side of `xlsproc serve` (Starlette): the department's page, the bureau's page behind
a token, and a JSON API beside them. Everything is served from the package (templates/,
static/): office networks often have no internet.

Security: forms carry a per-browser token also set as a SameSite=Strict cookie (double submit),
and every POST from another site (Origin / Sec-Fetch-Site) is refused; the bureau's token is
compared in constant time and kept in an HttpOnly SameSite=Strict cookie after login; request
bodies are cut off at the batch's size limit; responses forbid framing and foreign scripts.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import secrets
import zipfile
from importlib import resources
from urllib.parse import quote, urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from xlsproc.serve.names import Refusal, clean_filename, clean_unit, size_text
from xlsproc.serve.service import Service
from xlsproc.serve.views import upload_view

CSRF_COOKIE = "xlsproc_csrf"
TOKEN_COOKIE = "xlsproc_bureau"
MAX_FILES = 20                 # workbooks in one submission of the department's form
FORM_OVERHEAD = 1 << 20        # multipart headers and the small fields, beyond the file itself
DRAIN = 10                     # a refused body is read (and dropped) up to 10× the limit (~1 GiB)
BODY_DONE = "xlsproc.body_done"   # scope key: the request body has been received whole
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; form-action 'self'; frame-ancestors 'none'",
}


class BodyTooLarge(Exception):
    pass


def create_app(service: Service, token: str, start: bool = True) -> Starlette:
    env = jinja2.Environment(loader=jinja2.PackageLoader("xlsproc.serve", "templates"),
                             autoescape=True)
    templates = Jinja2Templates(env=env)
    static = str(resources.files("xlsproc.serve").joinpath("static"))
    limit = service.max_bytes + FORM_OVERHEAD

    # --- helpers --------------------------------------------------------------------------

    def page(request: Request, name: str, code: int = 200, **context) -> Response:
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        context.update(csrf=csrf, roster=[u.name for u in service.roster],
                       limit=size_text(service.max_bytes))
        response = templates.TemplateResponse(request, name, context, status_code=code)
        if request.cookies.get(CSRF_COOKIE) != csrf:
            response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict")
        return response

    def refused(request: Request, refusal: Refusal) -> Response:
        if request.url.path.startswith("/api/"):
            return api_refusal(refusal)
        if refusal.status == 401:
            return page(request, "login.html", 401, message=refusal.message)
        return page(request, "refused.html", refusal.status, message=refusal.message)

    def api_refusal(refusal: Refusal) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if refusal.status == 401 else None
        return JSONResponse({"error": {"code": refusal.code, "message": refusal.message}},
                            refusal.status, headers=headers)

    def same_site(request: Request, token_checked: bool) -> None:
        """A POST must come from this server's own pages (or from a script: no Origin). A form
        also carries its token: there an opaque origin ('null', sent by some browsers under
        strict referrer settings) is let through, the token decides."""
        origin = request.headers.get("origin")
        if request.headers.get("sec-fetch-site") == "cross-site":
            raise Refusal("cross-site", origin=origin or "其他网站")
        if origin == "null" and not token_checked:
            raise Refusal("cross-site", origin="null")
        if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
            raise Refusal("cross-site", origin=origin)

    def check_csrf(request: Request, form) -> None:
        cookie, sent = request.cookies.get(CSRF_COOKIE), form.get("csrf")
        if not cookie or not isinstance(sent, str) or \
                not hmac.compare_digest(cookie.encode(), sent.encode()):
            raise Refusal("csrf")

    session = hashlib.sha256(f"xlsproc-bureau\0{token}".encode()).hexdigest()

    def right_token(sent: str) -> bool:
        return hmac.compare_digest(sent.encode(), token.encode())

    def logged_in(response: Response) -> Response:
        """The browser keeps a value derived from the token (HttpOnly, this site only)."""
        response.set_cookie(TOKEN_COOKIE, session, httponly=True, samesite="strict")
        return response

    def require_token(request: Request) -> None:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            if not right_token(auth[7:].strip()):
                raise Refusal("token-wrong")
            return
        cookie = request.cookies.get(TOKEN_COOKIE)
        if not cookie:
            raise Refusal("token-required")
        if not hmac.compare_digest(cookie.encode(), session.encode()):
            raise Refusal("token-wrong")

    async def too_large(request: Request) -> Refusal:
        """Read the rest of the body into nothing (a browser shows an answer only once it has
        sent its request), up to DRAIN times the limit; then the refusal."""
        received = 0
        while received < DRAIN * limit and not request.scope.get(BODY_DONE):
            try:
                message = await request.receive()
            except BodyTooLarge:            # the guard says so once; known already
                continue
            received += len(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        return Refusal("too-large", limit=size_text(service.max_bytes))

    async def read_form(request: Request, max_files: int):
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > limit:
            raise await too_large(request)
        try:
            return await request.form(max_files=max_files, max_fields=20)
        except BodyTooLarge:
            raise await too_large(request) from None
        except (MultiPartException, HTTPException) as exc:    # Starlette wraps the former
            if "files" in str(getattr(exc, "detail", exc)).lower():
                raise Refusal("too-many-files", limit=max_files) from None
            raise Refusal("no-file") from None

    async def receive(files: list, unit: str | None) -> tuple[list, list]:
        """Each file into INBOX and through the batch; (finished uploads, (name, refusal))."""
        jobs, refusals = [], []
        for f in files:
            try:
                name = clean_filename(f.filename)
                jobs.append(await run_in_threadpool(service.receive, name, unit, f.file))
            except Refusal as refusal:
                refusals.append((f.filename or "", refusal))
            finally:
                await f.close()
        done = []
        for job in jobs:
            try:
                done.append(await asyncio.wrap_future(job.future))
            except Refusal as refusal:
                refusals.append((job.name, refusal))
            except Exception as exc:       # noqa: BLE001 — the batch itself failed: say so
                refusals.append((job.name, Refusal("process-failed", reason=str(exc)[:200])))
        return done, refusals

    def uploaded_files(form, field: str) -> list:
        return [f for f in form.getlist(field) if isinstance(f, UploadFile) and
                (f.filename or f.size)]

    # --- the department's page ---------------------------------------------------------------

    async def home(request: Request) -> Response:
        return page(request, "department.html", results=None)

    async def upload(request: Request) -> Response:
        same_site(request, token_checked=True)
        form = await read_form(request, MAX_FILES)
        check_csrf(request, form)
        unit = clean_unit(form.get("unit") if isinstance(form.get("unit"), str) else None)
        files = uploaded_files(form, "files")
        if not files:
            raise Refusal("no-file")
        done, refusals = await receive(files, unit)
        return page(request, "department.html", unit=unit,
                    results=[upload_view(job, service) for job in done],
                    refusals=[{"name": n, "message": r.message} for n, r in refusals])

    async def download(request: Request) -> Response:
        """The annotated copy of an upload, or its n-th Word report; by the upload's own id."""
        job = service.by_id.get(request.path_params["id"])
        path = None
        if job is not None and job.output:
            if request.path_params.get("n") is None:
                path = service.outbox / job.output
            else:
                reports = service.reports_for(job.output)
                n = request.path_params["n"]
                path = reports[n - 1] if 1 <= n <= len(reports) else None
        if path is None or not path.is_file():
            raise Refusal("not-found")
        return attachment(path, path.name)

    # --- the bureau's page ---------------------------------------------------------------------

    async def bureau(request: Request) -> Response:
        if "token" in request.query_params:              # the link printed at start
            if not right_token(request.query_params["token"]):
                raise Refusal("token-wrong")
            return logged_in(RedirectResponse("/bureau", 303))
        require_token(request)
        await up_to_date()
        return page(request, "bureau.html", status=service.status(),
                    has_roster=bool(service.roster),
                    recent=[upload_view(job, service) for job in list(service.recent)[:50]],
                    packs=service.packs, district=service.district_path.is_file(),
                    district_error=service.district_error, entries=len(service.entries))

    async def login(request: Request) -> Response:
        same_site(request, token_checked=True)
        form = await read_form(request, 0)
        check_csrf(request, form)
        sent = form.get("token")
        if not isinstance(sent, str) or not right_token(sent.strip()):
            raise Refusal("token-wrong")
        return logged_in(RedirectResponse("/bureau", 303))

    async def up_to_date() -> None:
        """Wait (a little) until the district's outputs include every upload answered so far."""
        answered = service.answered
        for _ in range(600):
            if service.caught_up(answered):
                return
            await asyncio.sleep(0.1)

    async def district(request: Request) -> Response:
        require_token(request)
        await up_to_date()
        if not service.district_path.is_file():
            raise Refusal("not-yet", what="全区汇总工作簿")
        return attachment(service.district_path, service.district_path.name)

    async def pack(request: Request) -> Response:
        require_token(request)
        await up_to_date()
        unit = request.path_params["unit"]
        folder = service.packs.get(unit)
        if folder is None or not (service.packs_path / folder).is_dir():
            raise Refusal("not-found")
        data = await run_in_threadpool(zip_folder, service.packs_path / folder)
        return Response(data, media_type="application/zip",
                        headers=disposition(f"{unit}_退回修改.zip"))

    # --- the API -------------------------------------------------------------------------------

    async def api_upload(request: Request) -> Response:
        same_site(request, token_checked=False)
        form = await read_form(request, 1)
        raw = form.get("unit")
        unit = clean_unit(raw) if isinstance(raw, str) and raw.strip() else None
        files = uploaded_files(form, "file")
        if not files:
            raise Refusal("no-file")
        done, refusals = await receive(files, unit)
        if refusals:
            raise refusals[0][1]
        return JSONResponse(done[0].entry)

    async def api_status(request: Request) -> Response:
        require_token(request)
        st = service.status()
        return JSONResponse({
            "roster": len(service.roster),
            "submitted": [vars(s) for s in st.submitted],
            "missing": [u.unit for u in st.missing],
            "with_errors": [vars(s) for s in st.with_errors],
            "unlisted": [vars(s) for s in st.unlisted],
            "files": len(service.entries),
            "district_workbook": service.district_path.is_file(),
        })

    # --- assembly ------------------------------------------------------------------------------

    def guarded(endpoint):
        async def run(request: Request) -> Response:
            try:
                return await endpoint(request)
            except Refusal as refusal:
                return refused(request, refusal)
        return run

    routes = [
        Route("/", guarded(home)),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route("/upload", guarded(upload), methods=["POST"]),
        Route("/files/{id}/copy", guarded(download)),
        Route("/files/{id}/report/{n:int}", guarded(download)),
        Route("/bureau", guarded(bureau)),
        Route("/bureau/login", guarded(login), methods=["POST"]),
        Route("/bureau/district.xlsx", guarded(district)),
        Route("/bureau/packs/{unit:str}.zip", guarded(pack)),
        Route("/api/upload", guarded(api_upload), methods=["POST"]),
        Route("/api/status", guarded(api_status)),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]

    async def not_found(request: Request, exc) -> Response:
        code = "method" if getattr(exc, "status_code", 404) == 405 else "not-found"
        return refused(request, Refusal(code))

    def lifespan(app):
        return _lifespan(service, start)

    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={404: not_found, 405: not_found})
    app.add_middleware(_Guard, limit=limit)
    app.state.service = service
    return app


class _lifespan:
    def __init__(self, service: Service, start: bool):
        self.service, self.start = service, start

    async def __aenter__(self):
        if self.start:
            self.service.start()
            await run_in_threadpool(self.service.ready.wait)

    async def __aexit__(self, *exc):
        if self.start:
            await run_in_threadpool(self.service.stop)


class _Guard:
    """Security headers on every response; request bodies cut off at the limit."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        seen, over = 0, False

        async def limited():
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                scope[BODY_DONE] = not message.get("more_body", False)
            seen += len(message.get("body", b""))
            if seen > self.limit and not over:
                over = True                     # said once; the refusal then drains the rest
                raise BodyTooLarge()
            return message

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, limited, with_headers)


def attachment(path, name: str) -> FileResponse:
    return FileResponse(path, headers=disposition(name))


def disposition(name: str) -> dict:
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}


def zip_folder(folder) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()
