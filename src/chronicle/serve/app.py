"""The HTTP API and the web page over one Chronicle database, read-only.

Every endpoint is a thin call of `chronicle.query` (the same filters as the Python API and the
CLI). Errors are JSON `{"error": reason}`: 400 for a filter the query layer rejects, 422 for a
parameter of the wrong shape, 404 for an unknown id or path.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..export import FILE_NAMES, FORMATS, MEDIA_TYPES
from ..export import stream as export_stream
from ..query import EVENT_ORDERS, Chronicle

STATIC = Path(__file__).resolve().parent / "static"
MAX_LIMIT = 500
# DuckDB's OFFSET is a signed 64-bit integer (2**63 and over was a 500); no store is this large.
MAX_OFFSET = 10**12

# The page loads nothing from elsewhere; this also keeps a stray script in a stored text inert.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# Swagger UI and ReDoc (served from the fastapi-offline package, not a CDN) start with an inline
# script, so their pages get a policy that allows inline code but still nothing from elsewhere.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'")
DOCS_PATHS = ("/docs", "/redoc", "/static-offline-docs")


class NotFound(Exception):
    def __init__(self, message: str):
        self.message = message


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def event_filters(
    country: Annotated[str | None, Query(description="ISO alpha-3 code(s), comma-separated; "
                                         "matches source, target or location country")] = None,
    event_country: Annotated[str | None, Query(description="ISO alpha-3 code(s): where the event "
                                               "happened (the place's country only)")] = None,
    actor: Annotated[str | None, Query(description="part of an actor name or text, or a sector "
                                       "code such as GOV")] = None,
    type: Annotated[str | None, Query(description="PLOVER type(s), comma-separated")] = None,
    mode: Annotated[str | None, Query(description="PLOVER mode, e.g. troops")] = None,
    since: Annotated[str | None, Query(description="YYYY, YYYY-MM or YYYY-MM-DD, inclusive")] = None,
    until: Annotated[str | None, Query(description="YYYY, YYYY-MM or YYYY-MM-DD, inclusive")] = None,
    near: Annotated[str | None, Query(description="LAT,LON,KM")] = None,
    text: Annotated[str | None, Query(description="words in an evidence sentence or a title")] = None,
) -> dict[str, Any]:
    given = dict(country=country, event_country=event_country, actor=actor, type=type, mode=mode,
                 since=since, until=until, near=near, text=text)
    # An empty form field means "no filter", not "match the empty string".
    return {k: v for k, v in given.items() if v is not None and v.strip() != ""}


Filters = Annotated[dict, Depends(event_filters)]
Limit = Annotated[int, Query(ge=1, description=f"page size, at most {MAX_LIMIT}")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


def create_app(db_path: str | Path, connection=None, background=None) -> FastAPI:
    """The app for one database file (opened read-only; FileNotFoundError if it is missing).

    `serve --watch`: `connection` is a cursor of the writer's database in this process, and
    `background` (a `watch.Watcher`) runs in a thread while the app is up, stopped with it."""
    db = Chronicle(db_path, connection=connection)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        thread = None
        if background is not None:
            import threading

            thread = threading.Thread(target=background.run_logged, name="chronicle-watch", daemon=True)
            thread.start()
        yield
        if thread is not None:
            background.stop()  # after the batch being stored
            thread.join()
        db.close()

    app = FastAPIOffline(title="Chronicle", version=__version__, lifespan=lifespan,
                  description="Political events extracted from news reports: cross-document "
                              "events with their sources, documents with their cleaning flags.")
    app.state.db = db

    @app.exception_handler(ValueError)
    async def bad_filter(request: Request, exc: ValueError):
        return _error(400, str(exc))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return _error(404, exc.message)

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}"
                             for e in exc.errors())
        return _error(422, problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return _error(exc.status_code, str(exc.detail))

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if request.url.path.startswith(DOCS_PATHS):
            response.headers["Content-Security-Policy"] = DOCS_CSP
        return response

    @app.get("/api/events", tags=["events"])
    def list_events(filters: Filters, limit: Limit = 100, offset: Offset = 0,
                    order: Annotated[str, Query(description=", ".join(EVENT_ORDERS))] = "-date"):
        """Cross-document events matching the filters, one page at a time, with the total."""
        limit = min(limit, MAX_LIMIT)
        rows = db.event_records(**filters, limit=limit, offset=offset, order=order)
        return {"total": db.count_events(**filters), "limit": limit, "offset": offset,
                "events": rows}

    @app.get("/api/export", tags=["events"], response_class=StreamingResponse)
    def export_events(
        filters: Filters,
        format: Annotated[str, Query(description=", ".join(FORMATS))] = "csv",
        all_types: Annotated[bool, Query(description="acled: also the PLOVER types ACLED does not "
                                         "code, as Strategic developments / Other")] = False,
    ):
        """Every event matching the filters as a file to download, streamed: the code and the
        columns of `chronicle export` (docs/EXPORTS.md)."""
        chunks = export_stream(db, format, all_types=all_types, **filters)  # bad input: 400 now
        return StreamingResponse(chunks, media_type=MEDIA_TYPES[format], headers={
            "Content-Disposition": f'attachment; filename="{FILE_NAMES[format]}"'})

    @app.get("/api/events/{event_id}", tags=["events"])
    def get_event(event_id: str):
        """One event with every source document and its evidence sentence."""
        event = db.event(event_id)
        if event is None:
            raise NotFound(f"no event {event_id!r}")
        return event

    @app.get("/api/timeline", tags=["events"])
    def timeline(filters: Filters):
        """Events per day and type (day-precision dates only)."""
        return {"days": db.timeline(**filters)}

    @app.get("/api/places", tags=["events"])
    def places(filters: Filters, limit: Limit = MAX_LIMIT, offset: Offset = 0):
        """Event locations with counts."""
        return {"places": db.place_records(min(limit, MAX_LIMIT), offset, **filters)}

    @app.get("/api/actors", tags=["events"])
    def actors(filters: Filters, limit: Limit = 100, offset: Offset = 0):
        """Actors with how many events they take part in."""
        return {"actors": db.actor_records(min(limit, MAX_LIMIT), offset, **filters)}

    @app.get("/api/documents", tags=["documents"])
    def list_documents(
        language: str | None = None,
        format: Annotated[str | None, Query(description="txt, html, warc, rss or jsonl")] = None,
        truncated: bool | None = None, translated: bool | None = None,
        duplicates: Annotated[bool, Query(description="false leaves out duplicates")] = True,
        text: str | None = None, limit: Limit = 100, offset: Offset = 0,
    ):
        """Stored documents with their cleaning flags."""
        limit = min(limit, MAX_LIMIT)
        filters = dict(language=language or None, format=format or None, truncated=truncated,
                       translated=translated, duplicates=duplicates, text=text or None)
        return {"total": db.count_documents(**filters), "limit": limit, "offset": offset,
                "documents": db.document_records(**filters, limit=limit, offset=offset)}

    @app.get("/api/documents/{doc_id}", tags=["documents"])
    def get_document(doc_id: str):
        """One document: cleaned text, flags, removed lines with reasons, its events."""
        doc = db.document(doc_id)
        if doc is None:
            raise NotFound(f"no document {doc_id!r}")
        return doc

    @app.get("/api/search", tags=["search"])
    def search(q: Annotated[str, Query(min_length=1, description="words to look for")],
               limit: Limit = 50):
        """Events whose evidence or report title contains q, and documents that contain it."""
        limit = min(limit, MAX_LIMIT)
        return {"q": q, "events": db.event_records(text=q, limit=limit, order="-date"),
                "documents": db.document_records(text=q, limit=limit)}

    @app.get("/api/overview", tags=["search"])
    def overview():
        """Counts, the event types and countries present, the date range."""
        return db.overview()

    @app.get("/", include_in_schema=False)
    def page():
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
