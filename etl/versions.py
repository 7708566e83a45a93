"""Versions of the built store: immutable directories, one ``CURRENT`` pointer, one version per run.

A served *version* is a store build together with a snapshot of the published submissions
(docs/STORE.md, "Versions"). Layout under ``store_root()`` (``$ATLAS_STORE_DIR``, else ``data/store``)::

    CURRENT                          the id of the version servers follow (one line; tmp file + rename)
    versions/<id>/atlas.duckdb       the store (file mode read-only; a hard link when versions share a build)
    versions/<id>/published/*.parquet  the registry's public files as they were (absent: nothing published)
    versions/<id>/manifest.json      build time, sha256, row counts, code commit, published state
    pins/<id>                        touched (at most once a minute) by every process that serves <id>
    .lock                            ``flock``: one writer of CURRENT at a time

A version id sorts by time and says what it holds: ``<UTC stamp>-<first 8 of the store's sha256>``
for a build, plus ``-p<first 8 of the sha256 of the published state>`` for a version derived from
it when the published submissions changed ("a publish produces a new version"). A derived
version is named by its content (the public files' modification time and their published state,
read from the Parquet metadata key ``atlas_published_versions``), written into a temporary
directory and renamed into place: several server processes that notice the same publish at once
make one version, the losers use the winner's. A directory that exists is complete and never
changes.

Which version a read uses: ``pinned()`` (set once per script run or API request by ``pin``),
else ``$ATLAS_STORE_VERSION`` (a server pinned by its operator: exactly that version, published
snapshot included), else ``CURRENT``, after ``sync_current`` derived a new version if the registry
published or withdrew something since. ``$ATLAS_STORE`` (an explicit store file) bypasses all of it.

Pruning keeps the newest ``$ATLAS_STORE_KEEP`` (5) versions and never deletes the one CURRENT
names, a pinned one (``$ATLAS_STORE_VERSION``), or one a process served less than
``$ATLAS_STORE_PIN_MINUTES`` (60) minutes ago. This module imports nothing from the rest of ``etl``.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import errno
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from geodata import paths

PUBLIC_FILES = ("datasets.parquet", "dataset_dimensions.parquet", "observations.parquet")
STATE_KEY = b"atlas_published_versions"  # written by etl.submissions.registry on every public file
NOTHING_PUBLISHED = b"[]"
STORE_FILE = "atlas.duckdb"
MANIFEST = "manifest.json"
VERSION_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}(-p[0-9a-f]{8})?$")
DEFAULT_KEEP = 5
DEFAULT_PIN_MINUTES = 60
PIN_TOUCH_SECONDS = 60  # a served version's pin file is refreshed at most this often
SNAPSHOT_ATTEMPTS = 3  # a publish rewriting the public files while we copy them: try again, then keep serving

_PIN: contextvars.ContextVar[str | None] = contextvars.ContextVar("atlas_store_version", default=None)


class VersionNotFoundError(LookupError):
    """A version id that is not (or no longer) kept; the message lists the ones that are."""

    def __init__(self, requested: str, kept: list[str], where: str = ""):
        self.requested, self.kept = requested, kept
        origin = f" ({where})" if where else ""
        super().__init__(
            f"store version {requested!r}{origin} does not exist; kept versions: {', '.join(kept) or 'none'}. "
            "List them with `python -m etl store versions`."
        )


@dataclass(frozen=True)
class VersionInfo:
    """One kept version: its id, its manifest, and whether CURRENT names it."""

    id: str
    manifest: dict
    current: bool = False


# --- where things are ----------------------------------------------------------------------------


def store_root() -> Path:
    """``$ATLAS_STORE_DIR``, else ``data/store`` (under ``$ATLAS_DATA_DIR``)."""
    env = os.environ.get("ATLAS_STORE_DIR")
    return Path(env) if env else paths.data_dir() / "store"


def version_dir(vid: str, root: Path | None = None) -> Path:
    return (root or store_root()) / "versions" / vid


def compat_link(root: Path | None = None) -> Path | None:
    """``data/atlas.duckdb``, kept as a symlink to CURRENT's store for older callers (default root only)."""
    if root is not None or os.environ.get("ATLAS_STORE_DIR"):
        return None
    return paths.data_dir() / STORE_FILE


# --- which version ------------------------------------------------------------------------------


def pin(vid: str | None) -> contextvars.Token:
    """Make every store read in this context (this script run, this request) use version ``vid``."""
    return _PIN.set(vid)


def unpin(token: contextvars.Token) -> None:
    """Undo a ``pin`` (the end of an API request)."""
    _PIN.reset(token)


@contextlib.contextmanager
def pinning(vid: str | None) -> Iterator[str | None]:
    """``pin`` for the length of a block, restored afterwards."""
    token = _PIN.set(vid)
    try:
        yield vid
    finally:
        _PIN.reset(token)


def pinned() -> str | None:
    """The version this context was pinned to, if any."""
    return _PIN.get()


def read_current(root: Path | None = None) -> str | None:
    """The id CURRENT names (``None`` when no versioned build exists yet)."""
    try:
        text = ((root or store_root()) / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text or None


def list_versions(root: Path | None = None) -> list[VersionInfo]:
    """Every complete kept version, oldest first (ids sort by time)."""
    root = root or store_root()
    directory = root / "versions"
    if not directory.is_dir():
        return []
    current = read_current(root)
    out = []
    for d in sorted(directory.iterdir()):
        if VERSION_ID.match(d.name) and (d / MANIFEST).exists():
            out.append(VersionInfo(d.name, read_manifest(d.name, root), d.name == current))
    return out


def require_version(vid: str, root: Path | None = None, where: str = "") -> str:
    """``vid`` if it is a complete kept version, else ``VersionNotFoundError`` naming the kept ones."""
    vid = vid.strip()
    if VERSION_ID.match(vid) and (version_dir(vid, root) / MANIFEST).exists():
        return vid
    raise VersionNotFoundError(vid, [v.id for v in list_versions(root)], where)


def read_manifest(vid: str, root: Path | None = None) -> dict:
    return _read_manifest(str(version_dir(vid, root) / MANIFEST))


@functools.lru_cache(maxsize=64)
def _read_manifest(path: str) -> dict:
    """A manifest never changes once its directory exists: read it once per process."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def resolve_version(published: Path, root: Path | None = None, follow_pin: bool = True) -> str | None:
    """The version a read should use: the context's pin (unless ``follow_pin`` is False: a new run starting),
    else ``$ATLAS_STORE_VERSION``, else CURRENT (brought up to date with the registry's public files in
    ``published`` first). ``None``: no versioned store exists (the legacy ``data/atlas.duckdb`` is read)."""
    vid = pinned() if follow_pin else None
    if vid:
        return vid
    env = os.environ.get("ATLAS_STORE_VERSION", "").strip()
    if env:
        return require_version(env, root, "$ATLAS_STORE_VERSION")
    return sync_current(published, root)


def mark_served(vid: str, root: Path | None = None) -> None:
    """Record that this process serves ``vid`` now (``prune`` spares it for a while). Cheap: one stat."""
    pin_file = (root or store_root()) / "pins" / vid
    try:
        if time.time() - pin_file.stat().st_mtime < PIN_TOUCH_SECONDS:
            return
    except FileNotFoundError:
        pass
    try:
        pin_file.parent.mkdir(parents=True, exist_ok=True)
        pin_file.touch()
    except OSError:  # a read-only deployment: serving must not fail for the sake of pruning
        pass


# --- the published submissions ------------------------------------------------------------------


def read_public_state(published: Path) -> bytes | None:
    """The published state the public files in ``published`` agree on (``b"[]"``: none published, or no
    files); ``None`` while they disagree (a publish or withdraw rewriting them, or killed half-way)."""
    stats = []
    for name in PUBLIC_FILES:
        try:
            st = (published / name).stat()
            stats.append((st.st_mtime_ns, st.st_size, st.st_ino))
        except FileNotFoundError:
            stats.append(None)
    return _public_state(str(published), tuple(stats))


@functools.lru_cache(maxsize=16)
def _public_state(published: str, stats: tuple) -> bytes | None:
    """Keyed on the files' stat: the Parquet footers are read only when a file was replaced."""
    if all(s is None for s in stats):
        return NOTHING_PUBLISHED
    if any(s is None for s in stats):
        return None
    states = set()
    for name in PUBLIC_FILES:
        try:
            states.add((pq.read_schema(Path(published) / name).metadata or {}).get(STATE_KEY, b""))
        except (OSError, ValueError):  # replaced or unreadable while we looked: not a state to serve
            return None
    return states.pop() if len(states) == 1 else None


def published_id(state: bytes) -> str:
    return hashlib.sha256(state).hexdigest()[:8]


def _copy_public_files(published: Path, target: Path, state: bytes) -> bool:
    """Copy the public files into ``target/published`` and check the copies hold ``state``."""
    if state == NOTHING_PUBLISHED and not any((published / n).exists() for n in PUBLIC_FILES):
        return True
    (target / "published").mkdir(exist_ok=True)
    for name in PUBLIC_FILES:
        try:
            shutil.copyfile(published / name, target / "published" / name)
        except FileNotFoundError:
            return False
    copies = {(pq.read_schema(target / "published" / n).metadata or {}).get(STATE_KEY, b"") for n in PUBLIC_FILES}
    return copies == {state}


def _public_rows(directory: Path) -> dict[str, int]:
    rows = {}
    for name in PUBLIC_FILES:
        f = directory / "published" / name
        rows[name.removesuffix(".parquet")] = pq.read_metadata(f).num_rows if f.exists() else 0
    return rows


# --- making versions ----------------------------------------------------------------------------


def compute_sha256(path: Path) -> str:
    """SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def utc_stamp(moment: dt.datetime | None = None) -> str:
    return (moment or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def code_commit() -> str | None:
    """The git commit of the code that built the store (``$ATLAS_CODE_COMMIT`` first), ``None`` if unknown."""
    env = os.environ.get("ATLAS_CODE_COMMIT", "").strip()
    if env:
        return env
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=paths.ROOT, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def add_build_version(
    built: Path, tables: dict[str, int], published: Path, root: Path | None = None, built_at: dt.datetime | None = None
) -> str:
    """Move the freshly built store file ``built`` into a new version (with the published submissions as they
    are now) and point CURRENT at it; returns the version id. ``built`` is consumed."""
    root = root or store_root()
    sha = compute_sha256(built)
    built_at = built_at or dt.datetime.now(dt.UTC)
    vid = f"{utc_stamp(built_at)}-{sha[:8]}"
    manifest = {
        "version_id": vid,
        "kind": "build",
        "build_id": vid,
        "built_at_utc": built_at.isoformat(timespec="seconds"),
        "created_at_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "store_sha256": sha,
        "store_bytes": built.stat().st_size,
        "code_commit": code_commit(),
        "tables": tables,
    }
    os.chmod(built, 0o444)
    state = NOTHING_PUBLISHED

    def fill(tmp: Path) -> bool:
        nonlocal state
        os.replace(built, tmp / STORE_FILE)
        for _ in range(SNAPSHOT_ATTEMPTS):
            found = read_public_state(published)
            if found is not None and _copy_public_files(published, tmp, found):
                state = found
                return True
            shutil.rmtree(tmp / "published", ignore_errors=True)
        return True  # the registry is mid-write: this version starts with nothing published, sync catches up

    _create(vid, root, fill, manifest, lambda: state)
    set_current(vid, root)
    return vid


def derive_version(base: str, published: Path, state: bytes, root: Path | None = None) -> str | None:
    """The version = ``base``'s store build + the public files in ``published`` (which hold ``state``);
    made once whoever asks (content-addressed), ``None`` if the files changed while being copied."""
    root = root or store_root()
    base_manifest = read_manifest(base, root)
    build_id = base_manifest.get("build_id", base)
    stamps = [(published / n).stat().st_mtime for n in PUBLIC_FILES if (published / n).exists()]
    moment = dt.datetime.fromtimestamp(max(stamps), tz=dt.UTC) if stamps else dt.datetime.now(dt.UTC)
    vid = f"{utc_stamp(moment)}-{build_id.split('-')[1]}-p{published_id(state)}"
    if (version_dir(vid, root) / MANIFEST).exists():
        return vid
    manifest = {
        key: base_manifest.get(key) for key in ("built_at_utc", "store_sha256", "store_bytes", "code_commit", "tables")
    } | {
        "version_id": vid,
        "kind": "publish",
        "build_id": build_id,
        "derived_from": base,
        "created_at_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }

    def fill(tmp: Path) -> bool:
        _link_or_copy(version_dir(base, root) / STORE_FILE, tmp / STORE_FILE)
        return _copy_public_files(published, tmp, state)

    return vid if _create(vid, root, fill, manifest, lambda: state) else None


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError as err:
        if err.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
            raise
        shutil.copyfile(source, target)
        os.chmod(target, 0o444)


def _create(vid: str, root: Path, fill, manifest: dict, state) -> bool:
    """Fill a temporary directory, write its manifest, rename it to ``versions/<vid>``. A racer that renamed
    first wins (its directory is identical in content). False if ``fill`` said the snapshot was not whole."""
    target = version_dir(vid, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".tmp-{vid}-{os.getpid()}-{time.monotonic_ns()}"
    tmp.mkdir()
    try:
        if not fill(tmp):
            return False
        published_state = state()
        manifest = manifest | {
            "published_state": published_state.decode(),
            "published_id": published_id(published_state),
            "published_rows": _public_rows(tmp),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        try:
            os.rename(tmp, target)
        except OSError:  # another process made the same version first
            if not (target / MANIFEST).exists():
                raise
        return True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def sync_current(published: Path, root: Path | None = None) -> str | None:
    """CURRENT, after making and pointing it at a new version if the registry's public files in ``published``
    hold another published state than CURRENT's (a publish or a withdrawal since). Cheap when nothing changed:
    reads CURRENT and stats three files."""
    root = root or store_root()
    current = read_current(root)
    if current is None:
        return None
    state = read_public_state(published)
    if state is None or _same_state(state, current, root):
        return current
    try:
        new = derive_version(current, published, state, root)
    except FileNotFoundError:  # CURRENT moved and its old version was pruned while we looked: follow CURRENT
        return read_current(root)
    if new is None:
        return current
    with _locked(root):
        if read_current(root) == current:  # nobody moved CURRENT meanwhile (a build, a rollback)
            _write_current(new, root)
            return new
    return read_current(root)


def _same_state(state: bytes, vid: str, root: Path) -> bool:
    """Whether version ``vid`` holds the published state ``state`` (the registry's JSON, compared as written)."""
    try:
        return read_manifest(vid, root).get("published_state") == state.decode()
    except FileNotFoundError:  # CURRENT names a pruned or broken version: serve it as is, the caller reports it
        return True


# --- CURRENT, rollback, prune -------------------------------------------------------------------


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # released by the kernel if this process dies
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def set_current(vid: str, root: Path | None = None) -> str:
    """Point CURRENT at kept version ``vid`` (a build, or a rollback); returns ``vid``."""
    root = root or store_root()
    vid = require_version(vid, root)
    with _locked(root):
        _write_current(vid, root)
    return vid


def _write_current(vid: str, root: Path) -> None:
    tmp = root / f".CURRENT.{os.getpid()}"
    tmp.write_text(vid + "\n", encoding="utf-8")
    os.replace(tmp, root / "CURRENT")
    link = compat_link(None if root == store_root() else root)
    if link is not None:
        tmp_link = link.with_name(f".{link.name}.{os.getpid()}")
        tmp_link.unlink(missing_ok=True)
        tmp_link.symlink_to(os.path.relpath(version_dir(vid, root) / STORE_FILE, link.parent))
        os.replace(tmp_link, link)


def prune(keep: int | None = None, pin_minutes: float | None = None, root: Path | None = None) -> list[str]:
    """Delete all but the newest ``keep`` versions, sparing CURRENT, ``$ATLAS_STORE_VERSION`` and any version
    a process served in the last ``pin_minutes``; returns the deleted ids."""
    root = root or store_root()
    keep = _env_int("ATLAS_STORE_KEEP", DEFAULT_KEEP) if keep is None else keep
    pin_minutes = _env_int("ATLAS_STORE_PIN_MINUTES", DEFAULT_PIN_MINUTES) if pin_minutes is None else pin_minutes
    deleted = []
    with _locked(root):
        versions = list_versions(root)
        spared = {read_current(root), os.environ.get("ATLAS_STORE_VERSION", "").strip()}
        for v in versions[: max(len(versions) - keep, 0)]:
            if v.id in spared or _served_recently(v.id, root, pin_minutes):
                continue
            doomed = version_dir(v.id, root).with_name(f".deleting-{v.id}")
            os.rename(version_dir(v.id, root), doomed)  # gone from listings at once, then removed
            shutil.rmtree(doomed, ignore_errors=True)
            (root / "pins" / v.id).unlink(missing_ok=True)
            deleted.append(v.id)
    return deleted


def _served_recently(vid: str, root: Path, minutes: float) -> bool:
    try:
        return time.time() - (root / "pins" / vid).stat().st_mtime < minutes * 60
    except FileNotFoundError:
        return False


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"${name} must be a whole number, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"${name} must be 0 or more, got {value}")
    return value
