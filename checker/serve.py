"""``claimcheck serve``: an HTTP JSON service over one ``Checker`` whose models load once (docs/serve.md).

``POST /verify``, ``POST /ci[?ingest=true]``, ``POST /ingest`` take ``{"articles": [...]}``, each
article an object with the fields of a ``.jsonl`` line, checked as the CLI checks them; ``GET
/stats`` and ``GET /health`` take nothing. Answers are the CLI's JSON (``verify``/``ci --format
json``, plus ``exit_code`` and ``passed``; the ``ingest`` and ``stats`` summaries), and every
error is ``{"error": {"code": "E205", "message": "..."}}`` with a 4xx status for a bad request and
a 5xx one for a failure on the server's side.

Jobs run in worker threads, one at a time (``Checker`` holds a lock), so writes to the store are
serialised and ``/health`` and ``/stats`` answer while a check runs. The store writes each batch
in one transaction and replaces its index file atomically: a failed request or a killed server
leaves it as the last commit left it.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

from checker import __version__, gate
from checker.api import Checker, as_articles, exit_code
from checker.config import LIMITS, Settings
from checker.errors import ClaimcheckError, Errors
from checker.report import as_json
from checker.store import Store
from checker.types import Article

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = LIMITS.max_input_bytes  # a request body, as one input file
BODY_FIELDS = ("articles",)
# HTTP status by error code; other input (E2xx), option (E3xx) and request (E6xx) errors are 400,
# the rest (models, store, engine: the server's side) 500.
STATUS = {"E403": 404, "E404": 503, "E410": 507, "E602": 413, "E603": 404, "E604": 500, "E605": 409}
Endpoint = Callable[..., Awaitable[object]]


def http_status(code: str) -> int:
    return STATUS.get(code) or (400 if code[1:2] in ("2", "3", "6") else 500)


def error_response(exc: ClaimcheckError, status: int | None = None):
    """``{"error": {"code", "message"}}`` with the code's HTTP status (or ``status``)."""
    from starlette.responses import JSONResponse

    message = str(exc).split("] ", 1)[-1]
    return JSONResponse({"error": {"code": exc.code, "message": message}}, status_code=status or http_status(exc.code))


def create_app(checker: Checker, store: str | Path | None, max_body: int = MAX_BODY_BYTES):
    """The ASGI application (Starlette) over ``checker`` and one ``store`` (None: no store endpoints)."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    db = Path(store) if store is not None else None

    def the_store() -> Path:
        if db is None:
            raise ClaimcheckError(Errors.E605)
        return db

    async def articles(request: Request) -> list[Article]:
        return parse_body(await read_body(request, max_body))

    def report(doc: dict[str, object], code: int) -> JSONResponse:
        return JSONResponse({**doc, "exit_code": code, "passed": code == 0})

    async def verify(request: Request) -> JSONResponse:
        result = await run_in_threadpool(checker.verify, await articles(request))
        return report(as_json.to_dict(result), int(exit_code(result)))

    async def ci(request: Request) -> JSONResponse:
        ingest = flag(request.query_params.get("ingest"), "ingest")
        target = the_store()
        result = await run_in_threadpool(lambda batch: checker.check(batch, target, ingest=ingest),
                                         await articles(request))
        return report(gate.to_dict(result), int(exit_code(result)))

    async def ingest(request: Request) -> JSONResponse:
        target = the_store()
        return JSONResponse(await run_in_threadpool(checker.ingest, await articles(request), target))

    async def stats(request: Request) -> JSONResponse:
        return JSONResponse(await run_in_threadpool(Checker.stats, the_store()))

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "claimcheck": __version__, "store": None if db is None else str(db),
                             "models": {"embed": checker.settings.embed_model, "nli": checker.settings.nli_model,
                                        "backend": checker.settings.backend}})

    async def not_found(request: Request, exc: HTTPException) -> JSONResponse:  # 404, and 405 for a wrong method
        return error_response(ClaimcheckError(Errors.E603.format(method=request.method, path=request.url.path)),
                              exc.status_code)

    routes = [Route("/verify", guarded(verify), methods=["POST"]), Route("/ci", guarded(ci), methods=["POST"]),
              Route("/ingest", guarded(ingest), methods=["POST"]), Route("/stats", guarded(stats), methods=["GET"]),
              Route("/health", guarded(health), methods=["GET"])]
    return Starlette(routes=routes, exception_handlers={HTTPException: not_found})


def guarded(endpoint: Endpoint) -> Endpoint:
    """``endpoint`` with every failure answered as a coded JSON error (one log line, no traceback)."""

    async def handle(request):
        try:
            return await endpoint(request)
        except ClaimcheckError as exc:
            return error_response(exc)
        except MemoryError:
            return error_response(ClaimcheckError(Errors.E604.format(why="out of memory; send fewer articles")))
        except Exception as exc:  # noqa: BLE001 - the server keeps serving; the client gets a code
            logger.error("internal error on %s %s (%s: %s)", request.method, request.url.path, type(exc).__name__, exc)
            return error_response(ClaimcheckError(Errors.E604.format(why=f"{type(exc).__name__}: {exc}")))

    return handle


async def read_body(request, limit: int) -> bytes:
    """The request body, refused (E602) as soon as it is known to be over ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ClaimcheckError(Errors.E602.format(size=int(declared), limit=limit))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ClaimcheckError(Errors.E602.format(size=f"more than {limit}", limit=limit))
        chunks.append(chunk)
    return b"".join(chunks)


def parse_body(body: bytes) -> list[Article]:
    """The articles of ``{"articles": [...]}``: E601 for a body that is not such an object, then
    each article as a ``.jsonl`` line is checked (E205, E206; E211 for an id twice)."""
    try:
        doc = json.loads(body)
    except UnicodeDecodeError as exc:
        raise ClaimcheckError(Errors.E601.format(why=f"not UTF-8 (byte {exc.start})")) from exc
    except json.JSONDecodeError as exc:
        raise ClaimcheckError(Errors.E601.format(why=f"not JSON ({exc.msg} at byte {exc.pos})")) from exc
    except (ValueError, RecursionError) as exc:  # a number of over 4,300 digits; nesting too deep
        raise ClaimcheckError(Errors.E601.format(why=f"not readable JSON ({type(exc).__name__})")) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("articles"), list):
        raise ClaimcheckError(Errors.E601.format(why="it must be a JSON object with a list 'articles'"))
    unknown = sorted(set(doc) - set(BODY_FIELDS))
    if unknown:
        raise ClaimcheckError(Errors.E601.format(why=f"unknown field(s) {', '.join(map(repr, unknown))}"))
    if not doc["articles"]:
        raise ClaimcheckError(Errors.E601.format(why="'articles' is empty"))
    return as_articles(doc["articles"], where="articles")


def flag(value: str | None, name: str) -> bool:
    """A boolean query parameter: true/false, 1/0, yes/no (absent: false); anything else is E601."""
    if value is None:
        return False
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise ClaimcheckError(Errors.E601.format(why=f"?{name}={value[:40]!r} is not true or false"))


def listen(host: str, port: int) -> socket.socket:
    """A listening socket (bound before the models load, so a taken port fails at once: E606)."""
    if not 0 <= port <= 65535:
        raise ClaimcheckError(Errors.E303.format(option="--port", why=f"{port} is not between 0 and 65535"))
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family)
    except OSError as exc:  # socket.gaierror (an unknown host) is one
        raise ClaimcheckError(Errors.E606.format(host=host, port=port, why=exc.strerror or exc)) from exc


def check_store(store: str | Path | None, settings: Settings) -> None:
    """At start-up: a store that exists must be a claimcheck store of this schema built with this
    embedder (E401, E402, E406, E407); a missing one is created by the first ingest. Its story
    index is read here, so the first check does not pay for it (``Store.story_index`` keeps it)."""
    if store is not None and Path(store).exists():
        with Store.open(store) as opened:
            opened.check_embedder(gate.embedder_id(settings.embed_model))
            opened.story_index(settings)


def serve(checker: Checker, store: str | Path | None, sock: socket.socket, max_body: int = MAX_BODY_BYTES,
          quiet: bool = False) -> None:
    """Serve until SIGINT/SIGTERM (uvicorn finishes the requests in flight, then returns)."""
    import uvicorn

    host, port = sock.getsockname()[:2]
    logger.warning("serving on http://%s:%s (store: %s); stop with Ctrl-C", host, port, store or "none")
    config = uvicorn.Config(create_app(checker, store, max_body), log_level="warning" if quiet else "info",
                            access_log=not quiet, timeout_graceful_shutdown=600)
    uvicorn.Server(config).run(sockets=[sock])
