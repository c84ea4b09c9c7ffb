"""Resumable run folders: one SQLite database of finished tasks.

A task is one seed block of one scenario (see :mod:`numeric.executors`). Its identity is the
SHA-256 of ``(scenario, block seed, trials, engine, code version)`` (:func:`task_key`). Every
finished task is one row of ``<folder>/tasks/store.sqlite`` (standard-library :mod:`sqlite3`):
the key, the per-trial arrays (names, dtypes, shapes and their bytes) and a JSON description of
what the key stands for. So

* a run folder holds a fixed number of files however many tasks it stores (the database, and
  while a run is writing the ``-wal``/``-shm`` files of SQLite's write-ahead log);
* storing a task costs the same whether the folder holds ten tasks or a million (one ``INSERT``
  in its own transaction: no file is rewritten as the run grows);
* each row is written atomically (an SQLite transaction): an interrupted or killed process loses
  at most the tasks it had not yet stored, and rerunning the same command finds the finished
  tasks and skips them;
* several processes may write at once (the check run's forked workers, a driver collecting the
  results of spawned or Dask workers): WAL mode, one writer at a time, others wait
  (``busy_timeout``). A connection is never used across ``fork``: each process opens its own.

A stored row is trusted only if it matches the task that asks for it (:meth:`RunStore.get`
with ``fields``/``trials``: names, dtype ``float64``, shape ``(trials,)``); anything else reads
as missing, so the task is computed again and its row replaced.

The store deletes only what it wrote itself: :func:`clear` removes the database (recognised by
its SQLite ``application_id``), its WAL files and the task files of the older one-``.npz``-per-
task layout, never anything else in the folder.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata as md
import json
import os
import re
import sqlite3
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["RunStore", "task_key", "scenario_digest", "package_version", "atomic_write_bytes",
           "clear", "is_run_folder", "DB_NAME"]

_TASKS = "tasks"
DB_NAME = os.path.join(_TASKS, "store.sqlite")
"""The database's path inside a run folder."""
_APP_ID = 0x57325356            # "W2SV": SQLite application_id marking the database as ours
_SCHEMA = 1
_BUSY_MS = 120_000
_KEY = re.compile(r"[0-9a-f]{64}")
_LEGACY_MANIFEST = "manifest.json"

_VERSION = None
# Connections inherited through fork are kept referenced, never closed or used, in the child:
# closing one there could checkpoint or unlink the parent's write-ahead log.
_ORPHANS: list = []


def package_version() -> str:
    """``<w2s-verifier version>+src.<hash>``: the installed version and a SHA-256 prefix of the
    ``numeric`` package's source files.

    The source hash is there because an editable install keeps its version number while the
    code changes: a task stored by other engine code must not be taken for this code's.
    """
    global _VERSION
    if _VERSION is None:
        try:
            v = md.version("w2s-verifier")
        except md.PackageNotFoundError:
            v = "unknown"
        root = os.path.dirname(os.path.abspath(__file__))
        h = hashlib.sha256()
        for dirpath, dirnames, files in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for f in sorted(files):
                if f.endswith(".py"):
                    path = os.path.join(dirpath, f)
                    h.update(os.path.relpath(path, root).encode())
                    with open(path, "rb") as fh:
                        h.update(fh.read())
        _VERSION = f"{v}+src.{h.hexdigest()[:12]}"
    return _VERSION


def scenario_digest(scenario) -> str:
    """SHA-256 of everything that determines a scenario's simulated risks.

    The bases and target enter through their exact bytes, the scalars through ``float.hex``,
    so two scenarios share a digest iff they are equal (:meth:`Scenario.__eq__`). The geometry
    part is cached in the scenario's per-geometry cache, which :meth:`Scenario.replace` shares
    between scenarios with the same bases.
    """
    cache = getattr(scenario, "_cache", None)
    geo = None if cache is None else cache.get(("store-digest",))
    if geo is None:
        h = hashlib.sha256()
        for a in (scenario.V_s, scenario.V_w, scenario.theta):
            a = np.ascontiguousarray(a, dtype=np.float64)
            h.update(repr(a.shape).encode())
            h.update(a.tobytes())
        h.update(b"canonical" if scenario.is_canonical else b"explicit")
        geo = h.hexdigest()
        if cache is not None:
            cache[("store-digest",)] = geo
    fields = [geo, scenario.d_s, scenario.d_w, scenario.n, scenario.N,
              float(scenario.sigma2).hex(), scenario.features, scenario.noise]
    # Ridge penalties (issue 20) only when non-zero: ridgeless digests stay what they were.
    if getattr(scenario, "ridge", False):
        fields += [float(scenario.lambda_w).hex(), float(scenario.lambda_s).hex()]
    tail = json.dumps(fields)
    return hashlib.sha256(tail.encode()).hexdigest()


def task_key(scenario_hash: str, block_seed, trials: int, engine: str,
             version: str | None = None, device: str | None = None) -> str:
    """Store key of one task: SHA-256 (hex) of its identity, JSON-encoded.

    ``block_seed`` is the block's ``SeedSequence`` (``child(root, b)``): its entropy and spawn
    key name the run's root seed and the block index together. ``device`` enters only when it
    is not the CPU (a device run differs from the CPU's by rounding).
    """
    ident = {"scenario": scenario_hash, "entropy": _jsonable(block_seed.entropy),
             "spawn_key": [int(k) for k in block_seed.spawn_key], "trials": int(trials),
             "engine": engine, "version": package_version() if version is None else version}
    if device not in (None, "cpu"):
        ident["device"] = str(device)
    return hashlib.sha256(_SORTED_JSON.encode(ident).encode()).hexdigest()


_SORTED_JSON = json.JSONEncoder(sort_keys=True)
"""``json.dumps(obj, sort_keys=True)`` without building an encoder per call (twice per task)."""


def _jsonable(entropy):
    if isinstance(entropy, (list, tuple, np.ndarray)):
        return [int(e) for e in entropy]
    return int(entropy)


def atomic_write_bytes(path: str, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder + ``os.replace``).

    ``durable`` also fsyncs the data before the rename (survives a power loss, not only a killed
    process).
    """
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class _IOErrors:
    """Turns SQLite errors into ``OSError`` naming the database: a read or write that fails
    during a run (disk full, file gone, a corrupted page, a lock held too long) is an I/O error
    of the run, which commands report as such (exit 4), never an outcome of a computation."""

    def __init__(self, path: str, what: str):
        self.path, self.what = path, what

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is not None and isinstance(exc, sqlite3.Error):
            raise OSError(f"run store {self.path}: {self.what} failed: {exc}") from exc
        return False


_CHECKPOINT_PAGES = 10000

# Keys per ``SELECT ... IN (...)`` of :meth:`RunStore.get_many` (SQLite allows 32,766 host
# parameters since 3.32, 999 before).
_KEYS_PER_QUERY = 500


@contextlib.contextmanager
def _immediate(conn: sqlite3.Connection):
    """One write transaction (``BEGIN IMMEDIATE``): committed if the block ends normally,
    rolled back on any exception (a ``KeyboardInterrupt``, a failed commit) included."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _check_key(key) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"key must be a 64-digit lower-case hex SHA-256, got {key!r}")
    return key


def _encode(per_trial: dict) -> tuple[str, bytes]:
    """``(layout JSON, bytes)``: per array its name, dtype and shape, then the raw data."""
    names = sorted(per_trial)
    arrays = [np.ascontiguousarray(per_trial[name]) for name in names]
    # Every task of a run has one of a few layouts: each is checked and encoded once, keyed
    # by the arrays' names, dtypes and shapes (an object dtype is refused before it is kept).
    layout = tuple((name, a.dtype, a.shape) for name, a in zip(names, arrays))
    text = _LAYOUTS.get(layout)
    if text is None:
        for name, a in zip(names, arrays):
            if a.dtype.hasobject:
                raise ValueError(f"per_trial[{name!r}] must be a numeric array, got dtype object")
        text = json.dumps([[str(n), a.dtype.str, list(a.shape)] for n, a in zip(names, arrays)])
        if len(_LAYOUTS) < 4096:
            _LAYOUTS[layout] = text
    return text, b"".join([a.tobytes() for a in arrays])


_LAYOUTS: dict = {}


def _decode(layout: str, blob: bytes) -> dict | None:
    """Inverse of :func:`_encode`; ``None`` if the layout and the bytes do not agree."""
    try:
        items = json.loads(layout)
        out, pos = {}, 0
        for name, dt, shape in items:
            dtype = np.dtype(dt)
            if dtype.hasobject:
                return None
            shape = tuple(int(s) for s in shape)
            size = dtype.itemsize * int(np.prod(shape, dtype=np.int64))
            if pos + size > len(blob):
                return None
            if dtype.itemsize == 0:
                return None
            out[str(name)] = np.frombuffer(blob, dtype, count=size // dtype.itemsize,
                                           offset=pos).reshape(shape).copy()
            pos += size
        return out if pos == len(blob) else None
    except (TypeError, ValueError, KeyError):
        return None


def _matches(data: dict, fields, trials) -> bool:
    """Whether stored arrays fit a task: the names ``fields``, float64, shape ``(trials,)``."""
    if fields is not None and set(data) != set(fields):
        return False
    if trials is not None:
        for a in data.values():
            if a.dtype != np.float64 or a.shape != (int(trials),):
                return False
    return True


def is_run_folder(folder) -> bool:
    """Whether ``folder`` holds this store's database (or task files of the older layout)."""
    folder = os.fspath(folder)
    if _is_our_db(os.path.join(folder, DB_NAME)):
        return True
    return bool(_legacy_files(folder))


def _is_our_db(path: str, empty_ok: bool = False) -> bool:
    """Whether ``path`` is this store's database (``empty_ok``: or an empty file/database that
    it may adopt). The ``application_id`` is read through SQLite, since in WAL mode a new
    database's header may still sit in the write-ahead log."""
    try:
        with open(path, "rb") as f:
            head = f.read(100)
    except OSError:
        return False
    if not head:
        return empty_ok
    if not head.startswith(b"SQLite format 3\x00"):
        return False
    if len(head) == 100 and int.from_bytes(head[68:72], "big") == _APP_ID:
        return True
    try:
        conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True,
                               timeout=_BUSY_MS / 1000)
        try:
            app = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return app == _APP_ID or (empty_ok and app == 0 and tables == 0)


def _legacy_files(folder: str) -> list[str]:
    """Task files of the one-``.npz``-per-task layout (``tasks/<64 hex>.npz``, their
    ``.tmp-`` leftovers) and its ``manifest.json``, if it is one."""
    out = []
    tasks = os.path.join(folder, _TASKS)
    try:
        names = os.listdir(tasks)
    except OSError:
        names = []
    for f in names:
        stem = f[len(".tmp-"):] if f.startswith(".tmp-") else f
        if stem.endswith(".npz") and _KEY.fullmatch(stem[:-4][-64:] if f.startswith(".tmp-")
                                                    else stem[:-4]):
            out.append(os.path.join(tasks, f))
    man = os.path.join(folder, _LEGACY_MANIFEST)
    try:
        with open(man, encoding="utf-8") as f:
            data = json.load(f)
        if isinstance(data, dict) and data.get("format") == 1 and isinstance(data.get("tasks"), dict):
            out.append(man)
    except (OSError, ValueError):
        pass
    return out


def clear(folder) -> list[str]:
    """Remove this store's files from ``folder``; returns the paths removed.

    Removes the database (only if its header carries this store's ``application_id``), its
    ``-wal``/``-shm``/``-journal`` companions, the task files and manifest of the older
    one-``.npz``-per-task layout, then ``tasks/`` and ``folder`` themselves if that left them
    empty. Nothing else is touched: a run folder that also holds a user's files keeps them.
    Call it with no :class:`RunStore` open on the folder.
    """
    folder = os.path.abspath(os.fspath(folder))
    db = os.path.join(folder, DB_NAME)
    doomed = []
    if _is_our_db(db):
        doomed.append(db)
        doomed += [db + s for s in ("-wal", "-shm", "-journal") if os.path.exists(db + s)]
    doomed += _legacy_files(folder)
    removed = []
    for p in doomed:
        try:
            os.unlink(p)
            removed.append(p)
        except FileNotFoundError:
            pass
    for d in (os.path.join(folder, _TASKS), folder):
        try:
            os.rmdir(d)                 # only if empty
        except OSError:
            pass
    return removed


class RunStore:
    """The finished tasks of a run folder (an SQLite database, see the module docstring).

    Parameters
    ----------
    folder : str or os.PathLike
        Created if missing. Several runs may share a folder: keys never collide between
        different tasks.
    write_manifest : bool
        Accepted for compatibility; every process writes its rows directly (there is no
        separate manifest to keep in one writer's hands any more).

    Raises
    ------
    ValueError
        If ``folder`` is empty or not a directory, or ``tasks/store.sqlite`` exists and is not
        this store's database.
    """

    def __init__(self, folder, *, write_manifest: bool = True):
        if folder is None or str(folder) == "":
            raise ValueError("folder must be a non-empty path")
        self.folder = os.path.abspath(os.fspath(folder))
        if os.path.exists(self.folder) and not os.path.isdir(self.folder):
            raise ValueError(f"folder {self.folder!r} exists and is not a directory")
        os.makedirs(os.path.join(self.folder, _TASKS), exist_ok=True)
        self.path = os.path.join(self.folder, DB_NAME)
        if os.path.exists(self.path) and not _is_our_db(self.path, empty_ok=True):
            raise ValueError(f"{self.path!r} exists and is not a w2s-verifier task database; "
                             "move it away or choose another run folder")
        self._new: dict = {}
        self.rejected = 0
        """Stored rows that did not match the task asking for them (recomputed)."""
        self._conn = None
        self._pid = None
        self._opened = False
        self._connect()

    # -- connection ---------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        if self._conn is not None:                  # inherited through fork: never touch it
            _ORPHANS.append(self._conn)
        try:
            conn = sqlite3.connect(self.path, timeout=_BUSY_MS / 1000, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            if self._opened:
                raise OSError(f"run store {self.path}: reopening the task database failed: "
                              f"{exc}") from exc
            raise ValueError(f"cannot open the task database {self.path!r}: {exc}") from exc
        try:
            conn.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
            conn.execute("PRAGMA journal_mode=WAL")
            # A commit reaches the OS (survives a killed process) without an fsync per task;
            # a power loss may lose the last tasks, never corrupt the database.
            conn.execute("PRAGMA synchronous=NORMAL")
            # Copy the log into the database every ~40 MB rather than every 4 MB (the default):
            # a run writes hundreds of MB, and each checkpoint costs a sync.
            conn.execute(f"PRAGMA wal_autocheckpoint={_CHECKPOINT_PAGES}")
            with _immediate(conn):
                if conn.execute("PRAGMA application_id").fetchone()[0] != _APP_ID:
                    conn.execute(f"PRAGMA application_id={_APP_ID}")
                    conn.execute(f"PRAGMA user_version={_SCHEMA}")
                conn.execute("CREATE TABLE IF NOT EXISTS tasks (key TEXT PRIMARY KEY, "
                             "layout TEXT NOT NULL, data BLOB NOT NULL, meta TEXT NOT NULL)")
        except sqlite3.Error as exc:
            conn.close()
            if self._opened:
                # Reopening during a run (a forked worker's own connection): an I/O error.
                raise OSError(f"run store {self.path}: reopening the task database failed: "
                              f"{exc}") from exc
            raise ValueError(f"cannot use the task database {self.path!r}: {exc}") from exc
        self._conn, self._pid = conn, os.getpid()
        self._opened = True
        return conn

    def close(self) -> None:
        """Close this process's connection (the last one to close folds the WAL back)."""
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        elif self._conn is not None:
            _ORPHANS.append(self._conn)
        self._conn = None

    def __getstate__(self):
        # A connection does not travel: the copy opens its own on first use.
        return {**self.__dict__, "_conn": None, "_pid": None}

    # -- tasks --------------------------------------------------------------------------------
    def __contains__(self, key: str) -> bool:
        _check_key(key)
        with _IOErrors(self.path, "reading a task"):
            return self._connect().execute("SELECT 1 FROM tasks WHERE key=?",
                                           (key,)).fetchone() is not None

    def get(self, key: str, *, fields=None, trials: int | None = None) -> dict | None:
        """Per-trial arrays of a finished task, or ``None`` if it is not in the store.

        Parameters
        ----------
        key : str
            The task's :func:`task_key`.
        fields : iterable of str, optional
            The array names the task produces; a row with other names reads as missing.
        trials : int, optional
            The task's trial count; a row whose arrays are not ``float64`` of shape
            ``(trials,)`` reads as missing.

        A row that does not decode, or does not match, counts in :attr:`rejected`: the caller
        computes the task again and :meth:`put` replaces the row.
        """
        return self.get_many([key], fields=fields, trials=trials)[0]

    def get_many(self, keys, *, fields=None, trials: int | None = None) -> list:
        """:meth:`get` of several keys, in order (``None`` for each one not stored or not
        fitting), with one query per few hundred keys instead of one per key: a fresh run asks
        for every task before running it, and almost none is there."""
        keys = [_check_key(k) for k in keys]
        rows = {}
        with _IOErrors(self.path, "reading tasks"):
            conn = self._connect()
            for i in range(0, len(keys), _KEYS_PER_QUERY):
                part = keys[i:i + _KEYS_PER_QUERY]
                marks = ",".join("?" * len(part))
                rows.update((k, (lay, data)) for k, lay, data in conn.execute(
                    f"SELECT key, layout, data FROM tasks WHERE key IN ({marks})", part))
        out = []
        for k in keys:
            row = rows.get(k)
            data = None if row is None else _decode(row[0], bytes(row[1]))
            if row is not None and (data is None or not _matches(data, fields, trials)):
                self.rejected += 1
                data = None
            out.append(data)
        return out

    def put(self, key: str, per_trial: dict, meta: dict | None = None) -> None:
        """Store (or replace) a finished task atomically; ``meta`` (JSON-serialisable)
        describes it (:meth:`put_many` of one task)."""
        self.put_many([(key, per_trial, meta)])

    def put_many(self, items) -> None:
        """:meth:`put` of several tasks ``(key, per_trial, meta)`` in one transaction: all of
        them are stored, or (an error, a killed process) none, and the caller runs them again.
        One commit instead of one per task: storing a chunk of small tasks costs a fraction of
        the arithmetic that made them."""
        rows, metas = [], []
        for key, per_trial, meta in items:
            _check_key(key)
            layout, blob = _encode(per_trial)
            meta = dict(meta or {})
            rows.append((key, layout, blob, _SORTED_JSON.encode(meta)))
            metas.append(meta)
        if not rows:
            return
        # A full disk, a folder gone read-only: an I/O error of the run (callers report
        # OSError as such), never mistaken for an error of the computation.
        with _IOErrors(self.path, "storing tasks"):
            conn = self._connect()
            with _immediate(conn):
                conn.executemany("INSERT OR REPLACE INTO tasks (key, layout, data, meta) "
                                 "VALUES (?, ?, ?, ?)", rows)
        for (key, _, _, _), meta in zip(rows, metas):
            self._new[key] = meta

    def discard(self, key: str) -> None:
        """Remove one task's row (e.g. one known to be wrong)."""
        _check_key(key)
        with _IOErrors(self.path, "deleting a task"):
            self._connect().execute("DELETE FROM tasks WHERE key=?", (key,))
        self._new.pop(key, None)

    def keys(self) -> list[str]:
        """Keys of the finished tasks."""
        with _IOErrors(self.path, "listing the tasks"):
            return [r[0] for r in self._connect().execute("SELECT key FROM tasks ORDER BY key")]

    def __len__(self) -> int:
        with _IOErrors(self.path, "counting the tasks"):
            return int(self._connect().execute("SELECT COUNT(*) FROM tasks").fetchone()[0])

    def flush(self) -> None:
        """Nothing to do: every :meth:`put` is committed when it returns (kept for callers)."""

    def manifest(self) -> dict:
        """Key to description of every stored task."""
        with _IOErrors(self.path, "listing the tasks"):
            return {k: json.loads(m) for k, m in
                    self._connect().execute("SELECT key, meta FROM tasks ORDER BY key")}

    def new_entries(self) -> dict:
        """Descriptions of the tasks stored through this object."""
        return dict(self._new)

    def merge(self, entries: dict) -> None:
        """Compatibility: another process's :meth:`new_entries` are already in the database
        (each process writes its own rows), so there is nothing to merge."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
