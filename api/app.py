"""The ASGI application: FastAPI (on Starlette), the SDMX and JSON/CSV routers, limits, versions, errors.

    uvicorn api.app:create_app --factory --port 8502      # or: python -m api --port 8502

Every response carries the data version it was computed from (``X-Atlas-Data-Version``:
the full string, the same one the atlas pages and downloads state; ``ETag``: a weak tag of
the version id and the request) and honours ``If-None-Match``. ``?version=<id>`` answers
from a kept earlier version (``api.versions``). Only published data are ever read: the
service reads copies of the store's public views, never the registry's drafts.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response

from api.errors import ApiError, build_problem, build_sdmx_error
from api.ratelimit import RateLimiter
from api.sdmx_structure import StructureModel, build_structure_model
from api.settings import Settings, load_settings
from api.versions import VERSION_ID, VersionInfo, VersionNotKeptError, VersionStore, version_id
from etl import store as etl_store
from etl import versions as etl_versions
from etl.versions import VersionNotFoundError

log = logging.getLogger("api")
LANGS = ("es", "en")
SDMX_PREFIX = "/sdmx/"
PROBLEM_TYPE = "application/problem+json"
SDMX_ERROR_TYPE = "application/xml; charset=utf-8"
DESCRIPTION = """
**ES** — Servicio de datos abiertos del Atlas PVIGM: SDMX 2.1 REST (`/sdmx/v2.1/…`) y una API JSON/CSV sencilla
(`/api/v1/…`) sobre los datos **publicados**. Cada respuesta indica la versión de los datos (`X-Atlas-Data-Version`,
`ETag`); `?version=<id>` devuelve los datos tal como se publicaron en una versión anterior conservada
(`/api/v1/versions`).

**EN** — Open data service of Atlas PVIGM: SDMX 2.1 REST (`/sdmx/v2.1/…`) and a simple JSON/CSV API (`/api/v1/…`)
over the **published** data. Every response states its data version (`X-Atlas-Data-Version`, `ETag`);
`?version=<id>` returns the data exactly as published at an earlier, kept version (`/api/v1/versions`).
"""


@dataclass
class ServiceState:
    """What every request shares: settings, the kept versions, the rate limiter and cached structures."""

    settings: Settings
    versions: VersionStore
    limiter: RateLimiter
    _models: OrderedDict = field(default_factory=OrderedDict)
    _cache: OrderedDict = field(default_factory=OrderedDict)
    _responses: OrderedDict = field(default_factory=OrderedDict)
    _objects: OrderedDict = field(default_factory=OrderedDict)
    _response_bytes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def resolve(self, requested: str | None) -> VersionInfo:
        try:
            return self.versions.resolve(requested)
        except VersionNotKeptError as err:
            gone = bool(VERSION_ID.match(version_id(err.requested) if "·" in err.requested else err.requested))
            raise ApiError(
                410 if gone else 404, "version_not_kept", value=err.requested, valid=", ".join(err.kept) or "-"
            ) from None

    def model(self, vid: str) -> StructureModel:
        """The SDMX artefacts of kept version ``vid`` (built once, a few kept in memory)."""
        with self._lock:
            if vid in self._models:
                self._models.move_to_end(vid)
                return self._models[vid]
        cur = self.versions.cursor(vid)
        try:
            built = build_structure_model(cur)
        finally:
            cur.close()
        with self._lock:
            self._models[vid] = built
            while len(self._models) > max(self.settings.open_versions, 1):
                self._models.popitem(last=False)
        return built

    def cached_response(self, key: str, make: Callable[[], bytes]) -> bytes:
        """A response body by its ETag (data version + request + representation): computed once while it fits in
        ``response_cache_mb`` (least recently used first out; a body over a quarter of it is never kept)."""
        budget = self.settings.response_cache_mb * 1_000_000
        if budget <= 0:
            return make()
        with self._lock:
            body = self._responses.get(key)
            if body is not None:
                self._responses.move_to_end(key)
                return body
        body = make()
        if len(body) <= budget // 4:
            with self._lock:
                self._responses[key] = body
                self._response_bytes += len(body)
                while self._response_bytes > budget:
                    _, old = self._responses.popitem(last=False)
                    self._response_bytes -= len(old)
        return body

    def cached_object(self, key: tuple, make: Callable[[], object], size: int = 32) -> object:
        """A computed object (an indicator's frame for every period) by key, a few kept; never mutate it."""
        with self._lock:
            if key in self._objects:
                self._objects.move_to_end(key)
                return self._objects[key]
        value = make()
        with self._lock:
            self._objects[key] = value
            while len(self._objects) > size:
                self._objects.popitem(last=False)
        return value

    def cached(self, key: tuple, make: Callable[[], bytes], size: int = 128) -> bytes:
        """Bytes of a deterministic response (structure messages), computed once per key."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        body = make()
        with self._lock:
            self._cache[key] = body
            while len(self._cache) > size:
                self._cache.popitem(last=False)
        return body


def request_lang(request: Request) -> str:
    """``?lang=es|en``, else the first of Accept-Language that is es or en, else Spanish (the atlas' default)."""
    lang = request.query_params.get("lang", "")
    if lang in LANGS:
        return lang
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGS:
            return code
    return "es"


def error_response(request: Request, err: ApiError) -> Response:
    """An SDMX error message under ``/sdmx/``, an ``application/problem+json`` elsewhere."""
    headers = dict(err.headers)
    if request.url.path.startswith(SDMX_PREFIX):
        return Response(build_sdmx_error(err), status_code=err.status, media_type=SDMX_ERROR_TYPE, headers=headers)
    body = build_problem(err, request.url.path, request_lang(request))
    return Response(body, status_code=err.status, media_type=PROBLEM_TYPE, headers=headers)


def header_version(version: str) -> str:
    """The data version for an HTTP header: ASCII, with its non-ASCII characters (the ``·``) percent-encoded as
    UTF-8, so ``urllib.parse.unquote`` gives back the exact string the atlas states."""
    return quote(version, safe=" :+-T.")


def version_headers(info: VersionInfo, request: Request, variant: str) -> dict[str, str]:
    """``X-Atlas-Data-Version``, ``ETag`` (version id + request + representation), ``Vary``, caching."""
    digest = hashlib.sha256(
        f"{request.url.path}?{sorted(request.query_params.multi_items())}|{variant}|{request_lang(request)}".encode()
    )
    pinned = info.id in (request.query_params.get("version") or "")  # a data version, not an artefact version
    return {
        "X-Atlas-Data-Version": header_version(info.version),
        "X-Atlas-Data-Version-Id": info.id,
        "ETag": f'W/"{info.id}-{digest.hexdigest()[:16]}"',
        "Vary": "Accept, Accept-Language",
        "Cache-Control": "public, max-age=31536000, immutable" if pinned else "public, max-age=60",
    }


def versioned(
    request: Request,
    info: VersionInfo,
    variant: str,
    media_type: str,
    make: Callable[[], bytes],
    filename: str | None = None,
) -> Response:
    """A 304 when the client holds this version of this response already, else the body with version headers."""
    headers = version_headers(info, request, variant)
    if headers["ETag"] in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    if filename:
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
    body = request.app.state.service.cached_response(headers["ETag"], make)
    return Response(body, media_type=media_type, headers=headers)


UNLIMITED_PATHS = ("/health", "/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect")


class LimitsMiddleware:
    """Pure ASGI middleware (cheaper than ``@app.middleware``): the request-length limit, the per-client rate
    limit, and the data version header on responses that do not set it (errors)."""

    def __init__(self, app, state: ServiceState):
        self.app, self.state = app, state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        settings = self.state.settings
        path, query = scope.get("path", ""), scope.get("query_string", b"")
        refusal = None
        if len(path) + len(query) > settings.max_query_length:
            refusal = ApiError(414, "query_too_long", length=len(path) + len(query), limit=settings.max_query_length)
        elif path not in UNLIMITED_PATHS and not path.startswith("/static-offline-docs"):
            client = (scope.get("client") or ("-", 0))[0]
            allowed, wait = self.state.limiter.allow(client)
            if not allowed:
                refusal = ApiError(
                    429,
                    "rate_limited",
                    headers={"Retry-After": str(wait)},
                    limit=settings.rate_limit_per_minute,
                    retry=wait,
                )
        token = None
        if refusal is None and self.state.versions.store is None:
            try:  # one store version per request, whatever a rebuild or a publish does meanwhile (etl.versions)
                token = etl_versions.pin(etl_store.resolve_run_version())
            except VersionNotFoundError as err:
                refusal = ApiError(503, "store_version_missing", value=err.requested, valid=", ".join(err.kept) or "-")
        if refusal is not None:
            response = error_response(Request(scope), refusal)
            return await response(scope, receive, send)

        async def send_with_version(message):
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                current = self.state.versions.last_known
                if current is not None and not any(k.lower() == b"x-atlas-data-version" for k, _ in headers):
                    message = {
                        **message,
                        "headers": [*headers, (b"x-atlas-data-version", header_version(current.version).encode())],
                    }
            await send(message)

        try:
            return await self.app(scope, receive, send_with_version)
        finally:
            if token is not None:
                etl_versions.unpin(token)


def create_app(
    settings: Settings | None = None, versions_root: Path | None = None, store: Path | None = None
) -> FastAPI:
    """The service. ``versions_root`` and ``store`` default to ``data/versions`` and the store (tests move them)."""
    settings = settings or load_settings()
    state = ServiceState(
        settings,
        VersionStore(versions_root, settings.keep_versions, settings.open_versions, store),
        RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst),
    )
    app = FastAPIOffline(
        title="Atlas PVIGM API",
        version="1.0",
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url="/redoc",
        openapi_url="/openapi.json",
    )
    app.state.service = state

    app.add_middleware(LimitsMiddleware, state=state)

    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, err: ApiError):
        return error_response(request, err)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, err: StarletteHTTPException):
        if err.status_code == 405:
            return error_response(request, ApiError(405, "method_not_allowed", value=request.method))
        return error_response(
            request, ApiError(err.status_code if err.status_code >= 400 else 404, "not_found", value=request.url.path)
        )

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, err: RequestValidationError):
        first = (err.errors() or [{}])[0]
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path"))
        return error_response(
            request,
            ApiError(400, "bad_parameter", where=where, value=first.get("input", ""), valid=first.get("msg", "")),
        )

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, err: Exception):
        log.exception("unexpected error on %s", request.url)
        return error_response(request, ApiError(500, "internal_error"))

    from api.routes_sdmx import router as sdmx_router
    from api.routes_v1 import router as v1_router

    app.include_router(sdmx_router)
    app.include_router(v1_router)

    @app.get("/health", include_in_schema=False)
    def health() -> JSONResponse:
        info = state.resolve(None)
        return JSONResponse(
            {
                "status": "ok",
                "data_version": info.version,
                "data_version_id": info.id,
                "store_version": etl_versions.pinned(),  # the store build + published snapshot served (etl.versions)
            }
        )

    @app.get("/", include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(INDEX_HTML)

    return app


INDEX_HTML = """<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Atlas PVIGM API</title></head>
<body><h1>Atlas PVIGM — API</h1>
<p>ES: datos publicados del atlas en SDMX 2.1 y en JSON/CSV. EN: the atlas' published data as SDMX 2.1 and JSON/CSV.</p>
<ul>
<li><a href="/docs">/docs</a> — documentación OpenAPI / OpenAPI documentation (<a href="/redoc">ReDoc</a>,
<a href="/openapi.json">openapi.json</a>)</li>
<li><a href="/sdmx/v2.1/dataflow">/sdmx/v2.1/dataflow</a> — flujos de datos SDMX / SDMX dataflows</li>
<li><a href="/api/v1/datasets">/api/v1/datasets</a> — conjuntos de datos, licencias y citas / datasets, licences,
citations</li>
<li><a href="/api/v1/indicators">/api/v1/indicators</a> — indicadores / indicators</li>
<li><a href="/api/v1/territories">/api/v1/territories</a> — territorios / territories</li>
<li><a href="/api/v1/versions">/api/v1/versions</a> — versiones de los datos conservadas / kept data versions</li>
</ul></body></html>
"""
