"""A durable results store for experiments: Parquet batch files, commit records, a manifest.

Layout of an experiment directory::

    manifest.json        the experiment, provenance, sessions, status of every run
    experiment.toml      the experiment file as given
    design.parquet       one row per design point: the parameter values applied
    runs/<key>.parquet   results of one batch of runs (one row per run)
    runs/<key>.json      its commit record: sha256 of the Parquet file and its run ids
    .lock                held (``fcntl.flock``) by the one process writing here

Every file is written to a temporary name, flushed to disk (``fsync``) and moved into
place (``os.replace``), so a reader sees a whole file or none. A batch counts only once
its commit record exists and the Parquet file's sha256 matches it; anything else (a
file cut short by a crash, a Parquet file without its record, a temporary file) is
removed on the next open and its runs are run again. Reading results names any file
that fails its checksum instead of leaving its runs out silently. The lock is released
by the kernel when its process dies, even by SIGKILL, so a crashed sweep never leaves a
stale lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from carecomplex.errors import StoreError

MANIFEST = "manifest.json"
RUNS = "runs"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (temp file, fsync, rename).

    If writing fails (a full disk, a quota, an I/O error) the temporary file is removed
    and the ``OSError`` is raised again with ``path`` as its file name; ``path`` keeps
    its previous content, if it had one.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OSError(e.errno, e.strerror, str(path)) from e
    _fsync_dir(path.parent)


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A temporary folder inside ``out`` whose entries are moved into ``out`` on success.

    Write the files (and folders) of one output into the yielded folder; when the block
    ends they replace their namesakes in ``out`` (an old folder is removed first), so a
    reader never sees half an output. If an ``OSError`` (a full disk...) ends the block,
    the temporary folder goes, so does ``out`` if this created it and it is still empty,
    and the error is raised again naming the file in ``out`` it was for.
    """
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out, prefix=".partial-"))
    try:
        yield tmp
        for entry in sorted(tmp.iterdir()):
            if (out / entry.name).is_dir():
                shutil.rmtree(out / entry.name)
            os.replace(entry, out / entry.name)
    except OSError as e:
        where = Path(e.filename) if e.filename else out
        if where.is_relative_to(tmp):
            where = out / where.relative_to(tmp)
        raise OSError(e.errno, e.strerror or str(e), str(where)) from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if created and not any(out.iterdir()):
            out.rmdir()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    import io

    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


class Store:
    """An experiment directory, locked for writing while open."""

    def __init__(self, root: Path, lock_fd: int):
        self.root = root
        self.runs = root / RUNS
        self._lock_fd = lock_fd

    @classmethod
    def open(cls, root: str | Path, digest: str, resume: bool) -> Store:
        """Lock ``root`` for the experiment with ``digest``; create it or resume it.

        Raises :class:`StoreError` if another process holds the lock, if ``root`` holds
        a different experiment, or if it holds results and ``resume`` is false. Nothing
        is left behind when it raises on a directory it created.
        """
        root = Path(root)
        created = not root.exists()
        if not created and not root.is_dir():
            raise StoreError(f"{root}: exists and is not a directory")
        root.mkdir(parents=True, exist_ok=True)
        try:
            fd = _lock(root)
        except StoreError:
            if created:
                root.rmdir()
            raise
        try:
            _check(root, digest, resume)
        except StoreError:
            os.close(fd)
            if created:
                (root / ".lock").unlink(missing_ok=True)
                root.rmdir()
            raise
        for tmp in root.glob(".*.tmp"):  # left by a process that died while writing
            tmp.unlink()
        store = cls(root, fd)
        store.runs.mkdir(exist_ok=True)
        return store

    def close(self) -> None:
        """Release the lock."""
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write_file(self, name: str, data: bytes | str) -> None:
        """Write a top-level file atomically."""
        write_atomic(self.root / name, data.encode() if isinstance(data, str) else data)

    def read_manifest(self) -> dict[str, Any]:
        """The manifest, or an empty dict if none was written yet."""
        path = self.root / MANIFEST
        return json.loads(path.read_text()) if path.exists() else {}

    def write_batch(self, frame: pd.DataFrame) -> str:
        """Commit the rows of one batch (a ``run_id`` column); return the file key."""
        ids = sorted(frame["run_id"])
        key = hashlib.sha256(",".join(ids).encode()).hexdigest()[:20]
        data = _parquet_bytes(frame)
        write_atomic(self.runs / f"{key}.parquet", data)
        record = {
            "file": f"{key}.parquet",
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
            "runs": dict(zip(frame["run_id"], frame["status"], strict=True)),
        }
        try:
            write_atomic(self.runs / f"{key}.json", json.dumps(record).encode())
        except OSError:  # e.g. a full disk: leave no batch without its commit record
            (self.runs / f"{key}.parquet").unlink(missing_ok=True)
            raise
        return key

    def committed(self, repair: bool = True) -> dict[str, dict[str, str]]:
        """Run id -> {status, file} of every committed run; with ``repair``, drop the rest."""
        return committed(self.root, repair=repair)


def _lock(root: Path) -> int:
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise StoreError(f"{root}: in use by another sweep (pid {holder})") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def _check(root: Path, digest: str, resume: bool) -> None:
    manifest = root / MANIFEST
    others = [
        p.name
        for p in root.iterdir()
        if not p.name.startswith(".") and not (p.name == RUNS and not any(p.iterdir()))
    ]
    if not manifest.exists():
        if others:
            raise StoreError(f"{root}: not empty and not an experiment directory")
        return
    try:
        old = json.loads(manifest.read_text())["experiment"]["digest"]
    except (ValueError, KeyError, TypeError):
        raise StoreError(f"{root}: {MANIFEST} is unreadable; use a new --out") from None
    if old != digest:
        raise StoreError(
            f"{root}: holds a different experiment (digest {old[:12]}, this one {digest[:12]}); "
            "use a new --out"
        )
    if not resume:
        raise StoreError(f"{root}: holds this experiment already; add --resume to continue it")


def scan(root: str | Path) -> tuple[dict[str, dict[str, str]], dict[str, str], list[str]]:
    """Check every batch under ``root``: (runs, verified files, unverified files).

    ``runs`` maps run id -> {status, file} of every verified batch; ``verified`` maps a
    Parquet file name to its sha256; ``unverified`` lists the other names in ``runs/``: a
    Parquet file whose content does not match its commit record (corrupted or cut
    short), a record that does not parse or lacks its file, a file without a record,
    leftover temporary files.
    """
    runs = Path(root) / RUNS
    out: dict[str, dict[str, str]] = {}
    verified: dict[str, str] = {}
    if not runs.exists():
        return out, verified, []
    good: set[str] = set()
    for rec_path in sorted(runs.glob("*.json")):
        try:
            rec = json.loads(rec_path.read_text())
            ok = _sha256(runs / rec["file"]) == rec["sha256"]
        except (OSError, ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            continue
        good |= {rec_path.name, rec["file"]}
        verified[rec["file"]] = rec["sha256"]
        for rid, status in rec["runs"].items():
            if rid in out:
                raise StoreError(f"{root}: run {rid} is in {out[rid]['file']} and {rec['file']}")
            out[rid] = {"status": status, "file": rec["file"]}
    bad = sorted(p.name for p in runs.iterdir() if p.name not in good)
    return out, verified, bad


def committed(root: str | Path, repair: bool = False) -> dict[str, dict[str, str]]:
    """Run id -> {status, file} of every verified batch under ``root``.

    A batch is verified when its commit record parses and its Parquet file has the
    recorded sha256. With ``repair`` (the lock must be held), unverified files and
    leftover temporary files are deleted so their runs are run again.
    """
    out, _, bad = scan(root)
    if repair:
        for name in bad:
            (Path(root) / RUNS / name).unlink()
    return out


def read_results(root: str | Path) -> pd.DataFrame:
    """All committed runs of an experiment directory as one frame (one row per run).

    Raises :class:`StoreError` if any result file fails its checksum (corrupted or cut
    short), naming it: its runs would otherwise be silently missing. ``--resume``
    removes such files and runs their runs again.
    """
    return read_verified(root)[0]


def read_verified(
    root: str | Path,
) -> tuple[pd.DataFrame, dict[str, dict[str, str]], dict[str, str]]:
    """:func:`read_results` with the :func:`scan` it read: (frame, runs, verified files)."""
    root = Path(root)
    runs, verified, bad = scan(root)
    # A commit record that fails (its Parquet file differs from the recorded sha256, is
    # missing, or the record itself does not parse) is a damaged batch. A Parquet file
    # with no record at all is a batch not committed yet (a sweep running now, or one
    # killed between its two writes) and is left out, as are temporary files.
    damaged = sorted(Path(n).stem for n in bad if n.endswith(".json"))
    if damaged:
        more = f" and {len(damaged) - 1} more batches" if len(damaged) > 1 else ""
        raise StoreError(
            f"{root}: {RUNS}/{damaged[0]}.parquet{more} failed the checksum check (the "
            "file or its commit record is corrupted or cut short); run the sweep again "
            "with --resume to re-run the runs in it"
        )
    files = sorted({v["file"] for v in runs.values()})
    if not files:
        empty = pd.DataFrame(columns=["run_id", "arm", "point", "seed", "status"])
        return empty, runs, verified
    frame = pd.concat([pd.read_parquet(root / RUNS / f) for f in files], ignore_index=True)
    if frame["run_id"].duplicated().any():
        raise StoreError(f"{root}: duplicated run ids in the results")
    return frame.sort_values(["point", "arm", "seed"], ignore_index=True), runs, verified
