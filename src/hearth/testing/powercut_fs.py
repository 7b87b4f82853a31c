"""A FUSE file system for tests that forgets, at a simulated power cut, what was never fsynced.

``kill -9`` never loses a committed SQLite transaction whatever ``PRAGMA synchronous`` says: the
data is in the kernel's page cache and reaches the disk later. A power cut is different: what
was written but not fsynced is gone, and the last write may be half on the platter. This file
system makes that happen on demand, so a test can check that an acknowledged order is durable.

How it works
------------
It passes every call through to a *backing* directory, except that the data written to a file
since that file's last ``fsync``/``fdatasync`` stays in this process's memory, in a page-level
overlay (4 KiB pages, the file's logical size, and how far it was truncated). Reads see the
overlay over the backing file, so the node sees its own writes as it would through a page cache.
``fsync`` writes the file's dirty pages to the backing file and fsyncs it. A **power cut**
(``cut``) throws the overlays away and makes every later call fail with EIO until the file
system is unmounted; mounting it again shows only what was synced. Cut modes:

- ``drop``: every unsynced write is lost.
- ``tear``: as ``drop``, but a prefix of the last unsynced write (cut at a random byte) reaches
  the disk: a torn write.
- ``scatter``: each unsynced page reaches the disk or not at random (the kernel writes dirty
  pages back in any order, so a cut can leave any subset of them).

Metadata (create, unlink, rename, mkdir) goes to the backing directory at once, as on a file
system mounted with ``dirsync``: the model is about file *data*, where SQLite's durability lives
(SQLite fsyncs the directory after creating a WAL or journal anyway).

Faults, switched from the test through the control socket: ``full`` (every data write fails
with ENOSPC and ``statfs`` reports no free space), ``space_left`` (a budget of bytes: the write
that crosses it is cut short, later ones get ENOSPC), ``eio_write_in`` / ``eio_fsync_in`` (the
Nth data write / fsync from now fails with EIO, once). A failed fsync behaves as Linux does
since 4.13 ("fsyncgate"): the pages it could not write stay readable but are no longer dirty, so
a later fsync does not write them and a power cut loses them.

SQLite's WAL and its ``-shm`` file
----------------------------------
WAL mode needs the ``-shm`` file mapped shared (``mmap(MAP_SHARED)``) by every connection. FUSE
supports shared writable mappings when the file is *not* opened with ``direct_io``, so this file
system leaves ``direct_io`` off and mounts with ``kernel_cache``: all processes map the same
page-cache pages, which keeps the wal-index coherent between them (checked by
tests/e2e/test_power_cut.py, whose node and checker share the database). ``-shm`` files bypass
the overlay and the faults: their content is never durable by design (the first connection after
a crash truncates the file and rebuilds the index from the WAL), and SQLite allocates them with
real writes before it maps them, so a full disk fails there and not in a page write-back.

Every cut is followed by an unmount and a fresh mount (a new process), so no kernel page cache
survives a power cut either.

Run as a process (``python -m hearth.testing.powercut_fs --backing B --mount M --control S``);
``PowerCutDisk`` starts it, talks to it and unmounts it.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import logging
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mfusepy  # loads libfuse3 (Debian's fuse3): `make fuse` installs it

PAGE = 4096
SHM_SUFFIX = "-shm"


@dataclass
class Overlay:
    """What one file holds beyond what its backing file has on disk."""

    size: int  # the logical size the node sees
    trunc_to: int  # backing bytes at and past this offset read as zeros (truncated, not synced)
    path: str  # a backing path to the file (for a torn write at the cut)
    pages: dict[int, bytearray] = field(default_factory=dict)
    dirty: set[int] = field(default_factory=set)


@dataclass
class Faults:
    full: bool = False
    space_left: int | None = None
    eio_write_in: int | None = None
    eio_fsync_in: int | None = None


@dataclass
class Counters:
    writes: int = 0
    bytes_written: int = 0
    fsyncs: int = 0
    enospc: int = 0
    eio: int = 0
    cuts: int = 0
    lost_bytes: int = 0  # unsynced bytes thrown away at the cut
    torn_bytes: int = 0  # bytes of the torn write that reached the disk


def _fuse_error(code: int) -> OSError:
    return mfusepy.FuseOSError(code)


class PowerCutOps(mfusepy.Operations):
    """The FUSE operations: a pass-through with an unsynced-data overlay and fault switches."""

    use_ns = True

    def __init__(self, backing: str) -> None:
        self.root = os.path.realpath(backing)
        self._mutex = threading.RLock()
        self.overlays: dict[int, Overlay] = {}
        self.faults = Faults()
        self.counters = Counters()
        self.dead = False
        self.last_write: tuple[str, int, bytes] | None = None  # backing path, offset, data

    # -- helpers -------------------------------------------------------------------------------
    def _real(self, path: str) -> str:
        return os.path.join(self.root, path.lstrip("/"))

    def _check_alive(self) -> None:
        if self.dead:
            raise _fuse_error(errno.EIO)

    def _overlay(self, fd: int, real: str) -> Overlay:
        st = os.fstat(fd)
        ov = self.overlays.get(st.st_ino)
        if ov is None:
            ov = self.overlays[st.st_ino] = Overlay(st.st_size, st.st_size, real)
        return ov

    def _backing_page(self, fd: int, ov: Overlay, page: int) -> bytearray:
        start = page * PAGE
        data = bytearray(os.pread(fd, PAGE, start)) if start < ov.trunc_to else bytearray()
        data.extend(bytes(PAGE - len(data)))
        cut = ov.trunc_to - start
        if 0 <= cut < PAGE:
            data[cut:] = bytes(PAGE - cut)
        return data

    def _persist(self, fd: int, ov: Overlay, pages: set[int]) -> None:
        backing_size = os.fstat(fd).st_size
        if ov.trunc_to < backing_size:
            os.ftruncate(fd, ov.trunc_to)
        for page in sorted(pages):
            start = page * PAGE
            if start < ov.size:
                os.pwrite(fd, bytes(ov.pages[page][: ov.size - start]), start)
        if os.fstat(fd).st_size != ov.size:
            os.ftruncate(fd, ov.size)

    # -- metadata ------------------------------------------------------------------------------
    def getattr(self, path: str, fh: int | None = None) -> dict[str, Any]:
        with self._mutex:
            self._check_alive()
            try:
                st = os.fstat(fh) if fh is not None else os.lstat(self._real(path))
            except OSError as exc:
                raise _fuse_error(exc.errno or errno.EIO) from exc
            attrs = {
                key: getattr(st, key)
                for key in (
                    "st_mode",
                    "st_nlink",
                    "st_uid",
                    "st_gid",
                    "st_size",
                    "st_atime_ns",
                    "st_mtime_ns",
                    "st_ctime_ns",
                    "st_ino",
                )
            }
            attrs["st_atime"] = st.st_atime_ns
            attrs["st_mtime"] = st.st_mtime_ns
            attrs["st_ctime"] = st.st_ctime_ns
            ov = self.overlays.get(st.st_ino)
            if ov is not None:
                attrs["st_size"] = ov.size
            return attrs

    def readdir(self, path: str, fh: int) -> list[str]:
        with self._mutex:
            self._check_alive()
            return [".", "..", *os.listdir(self._real(path))]

    def access(self, path: str, amode: int) -> int:
        self._check_alive()
        if not os.access(self._real(path), amode):
            raise _fuse_error(errno.EACCES)
        return 0

    def mkdir(self, path: str, mode: int) -> int:
        with self._mutex:
            self._check_alive()
            os.mkdir(self._real(path), mode)
            return 0

    def rmdir(self, path: str) -> int:
        with self._mutex:
            self._check_alive()
            os.rmdir(self._real(path))
            return 0

    def chmod(self, path: str, mode: int) -> int:
        with self._mutex:
            self._check_alive()
            os.chmod(self._real(path), mode)
            return 0

    def chown(self, path: str, uid: int, gid: int) -> int:
        with self._mutex:
            self._check_alive()
            os.chown(self._real(path), uid, gid)
            return 0

    def utimens(self, path: str, times: tuple[int, int] | None = None) -> int:
        with self._mutex:
            self._check_alive()
            if times is None:
                os.utime(self._real(path))
            else:
                os.utime(self._real(path), ns=times)
            return 0

    def _forget(self, real: str) -> None:
        """The file at ``real`` is going away: its overlay must not outlive its inode number."""
        with contextlib.suppress(FileNotFoundError):
            st = os.lstat(real)
            if st.st_nlink <= 1:
                self.overlays.pop(st.st_ino, None)

    def unlink(self, path: str) -> int:
        with self._mutex:
            self._check_alive()
            real = self._real(path)
            self._forget(real)
            os.unlink(real)
            return 0

    def rename(self, old: str, new: str) -> int:
        with self._mutex:
            self._check_alive()
            self._forget(self._real(new))
            os.rename(self._real(old), self._real(new))
            for ov in self.overlays.values():
                if ov.path == self._real(old):
                    ov.path = self._real(new)
            return 0

    def statfs(self, path: str) -> dict[str, int]:
        with self._mutex:
            self._check_alive()
            sv = os.statvfs(self._real(path))
            out = {
                key: getattr(sv, key)
                for key in (
                    "f_bsize",
                    "f_frsize",
                    "f_blocks",
                    "f_bfree",
                    "f_bavail",
                    "f_files",
                    "f_ffree",
                    "f_favail",
                    "f_flag",
                    "f_namemax",
                )
            }
            if self.faults.full or self.faults.space_left is not None:
                left = 0 if self.faults.full else (self.faults.space_left or 0)
                out["f_bfree"] = out["f_bavail"] = left // max(sv.f_frsize, 1)
            return out

    # -- files ---------------------------------------------------------------------------------
    def _open_flags(self, flags: int) -> int:
        # O_RDWR whatever was asked (pages are read back to merge partial writes); no O_APPEND
        # (the kernel gives explicit offsets), no O_TRUNC (done through the overlay).
        access = os.O_RDWR
        return (flags & ~(os.O_ACCMODE | os.O_APPEND | os.O_TRUNC)) | access

    def create(self, path: str, mode: int, fi: Any = None) -> int:
        with self._mutex:
            self._check_alive()
            real = self._real(path)
            fd = os.open(real, os.O_CREAT | os.O_RDWR, mode)
            self.overlays.pop(os.fstat(fd).st_ino, None)  # a new inode, nothing to remember
            return fd

    def open(self, path: str, flags: int) -> int:
        with self._mutex:
            self._check_alive()
            real = self._real(path)
            fd = os.open(real, self._open_flags(flags))
            if flags & os.O_TRUNC:
                self._truncate_fd(fd, real, 0)
            return fd

    def release(self, path: str, fh: int) -> int:
        # Closing a file does not sync it: its unsynced pages stay in the overlay.
        with self._mutex:
            os.close(fh)
            return 0

    def flush(self, path: str, fh: int) -> int:
        self._check_alive()
        return 0

    def read(self, path: str, size: int, offset: int, fh: int) -> bytes:
        with self._mutex:
            self._check_alive()
            ov = self.overlays.get(os.fstat(fh).st_ino)
            if ov is None:
                return os.pread(fh, size, offset)
            end = min(offset + size, ov.size)
            if offset >= end:
                return b""
            out = bytearray()
            for page in range(offset // PAGE, (end - 1) // PAGE + 1):
                data = ov.pages.get(page)
                if data is None:
                    data = self._backing_page(fh, ov, page)
                lo = max(offset, page * PAGE) - page * PAGE
                hi = min(end, (page + 1) * PAGE) - page * PAGE
                out += data[lo:hi]
            return bytes(out)

    def _is_shm(self, path: str | None) -> bool:
        return bool(path) and str(path).endswith(SHM_SUFFIX)

    def _data_fault(self, size: int) -> int:
        """Apply the write faults: how many of ``size`` bytes may be written (raises when
        none)."""
        f = self.faults
        if f.eio_write_in is not None:
            f.eio_write_in -= 1
            if f.eio_write_in <= 0:
                f.eio_write_in = None
                self.counters.eio += 1
                raise _fuse_error(errno.EIO)
        if f.full:
            self.counters.enospc += 1
            raise _fuse_error(errno.ENOSPC)
        if f.space_left is not None:
            if f.space_left <= 0:
                self.counters.enospc += 1
                raise _fuse_error(errno.ENOSPC)
            allowed = min(size, f.space_left)
            f.space_left -= allowed
            return allowed
        return size

    def write(self, path: str, data: bytes, offset: int, fh: int) -> int:
        with self._mutex:
            self._check_alive()
            if self._is_shm(path):
                return os.pwrite(fh, data, offset)
            data = data[: self._data_fault(len(data))]
            ov = self._overlay(fh, self._real(path))
            end = offset + len(data)
            pos = offset
            while pos < end:
                page = pos // PAGE
                buf = ov.pages.get(page)
                if buf is None:
                    buf = ov.pages[page] = self._backing_page(fh, ov, page)
                lo = pos - page * PAGE
                n = min(PAGE - lo, end - pos)
                buf[lo : lo + n] = data[pos - offset : pos - offset + n]
                ov.dirty.add(page)
                pos += n
            ov.size = max(ov.size, end)
            self.last_write = (ov.path, offset, bytes(data))
            self.counters.writes += 1
            self.counters.bytes_written += len(data)
            return len(data)

    def _truncate_fd(self, fd: int, real: str, length: int) -> None:
        ov = self._overlay(fd, real)
        ov.size = length
        ov.trunc_to = min(ov.trunc_to, length)
        for page in [p for p in ov.pages if p * PAGE >= length]:
            del ov.pages[page]
            ov.dirty.discard(page)
        edge = length // PAGE
        if length % PAGE:
            buf = ov.pages.get(edge)
            if buf is None:
                buf = ov.pages[edge] = self._backing_page(fd, ov, edge)
            buf[length % PAGE :] = bytes(PAGE - length % PAGE)
            ov.dirty.add(edge)

    def truncate(self, path: str, length: int, fh: int | None = None) -> int:
        with self._mutex:
            self._check_alive()
            real = self._real(path)
            if self._is_shm(path):
                os.truncate(real, length)
                return 0
            fd = os.open(real, os.O_RDWR)
            try:
                if length > self._logical_size(fd):
                    self._data_fault(0)
                self._truncate_fd(fd, real, length)
            finally:
                os.close(fd)
            return 0

    def _logical_size(self, fd: int) -> int:
        st = os.fstat(fd)
        ov = self.overlays.get(st.st_ino)
        return ov.size if ov is not None else st.st_size

    def fallocate(self, path: str, mode: int, offset: int, size: int, fh: int) -> int:
        raise _fuse_error(errno.EOPNOTSUPP)

    def fsync(self, path: str, datasync: int, fh: int) -> int:
        with self._mutex:
            self._check_alive()
            self.counters.fsyncs += 1
            if self._is_shm(path):
                os.fsync(fh)
                return 0
            ov = self.overlays.get(os.fstat(fh).st_ino)
            f = self.faults
            if f.eio_fsync_in is not None:
                f.eio_fsync_in -= 1
                if f.eio_fsync_in <= 0:
                    f.eio_fsync_in = None
                    self.counters.eio += 1
                    if ov is not None:
                        ov.dirty.clear()  # fsyncgate: the pages stay readable, never written
                    raise _fuse_error(errno.EIO)
            if ov is not None:
                synced = set(ov.dirty)
                self._persist(fh, ov, synced)
                for page in synced:
                    del ov.pages[page]
                ov.dirty.clear()
                ov.trunc_to = ov.size
                if not ov.pages:
                    del self.overlays[os.fstat(fh).st_ino]
            os.fsync(fh)
            return 0

    def fsyncdir(self, path: str, datasync: int, fh: int) -> int:
        self._check_alive()
        return 0

    def destroy(self, path: str) -> None:
        """A clean unmount (not a cut) is a clean shutdown: everything reaches the disk."""
        with self._mutex:
            if not self.dead:
                self.sync_all()

    # -- control -------------------------------------------------------------------------------
    def sync_all(self) -> None:
        for ov in list(self.overlays.values()):
            with contextlib.suppress(OSError):
                fd = os.open(ov.path, os.O_RDWR)
                try:
                    self._persist(fd, ov, set(ov.dirty))
                    os.fsync(fd)
                finally:
                    os.close(fd)
        self.overlays.clear()

    def cut(self, mode: str = "drop", seed: int | None = None) -> dict[str, Any]:
        """The power goes: unsynced data is lost (all of it, or all but a torn prefix of the
        last write, or a random subset of pages), and the file system stops answering."""
        rng = random.Random(seed)
        with self._mutex:
            lost = sum(len(ov.dirty) for ov in self.overlays.values()) * PAGE
            torn = 0
            if mode == "tear" and self.last_write is not None:
                real, offset, data = self.last_write
                if len(data) > 1 and os.path.exists(real):
                    torn = rng.randint(1, len(data) - 1)
                    fd = os.open(real, os.O_RDWR)
                    try:
                        os.pwrite(fd, data[:torn], offset)
                        os.fsync(fd)
                    finally:
                        os.close(fd)
            elif mode == "scatter":
                for ov in self.overlays.values():
                    kept = {p for p in ov.dirty if rng.random() < 0.5}
                    if not kept or not os.path.exists(ov.path):
                        continue
                    fd = os.open(ov.path, os.O_RDWR)
                    try:
                        # Only pages: neither the truncation nor the new size is kept unless
                        # the pages reach past the old end.
                        for page in sorted(kept):
                            start = page * PAGE
                            if start < ov.size:
                                os.pwrite(fd, bytes(ov.pages[page][: ov.size - start]), start)
                                torn += min(PAGE, ov.size - start)
                        os.fsync(fd)
                    finally:
                        os.close(fd)
            elif mode not in ("drop", "tear"):
                raise ValueError(f"unknown cut mode {mode!r}")
            self.overlays.clear()
            self.last_write = None
            self.dead = True
            self.counters.cuts += 1
            self.counters.lost_bytes += lost
            self.counters.torn_bytes += torn
            return {"lost_bytes": lost, "reached_disk_bytes": torn, "mode": mode}

    def control(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        with self._mutex:
            if op == "set":
                for key, value in request.get("faults", {}).items():
                    if not hasattr(self.faults, key):
                        raise ValueError(f"unknown fault {key!r}")
                    setattr(self.faults, key, value)
                return {"faults": self.faults.__dict__}
            if op == "clear":
                self.faults = Faults()
                return {"faults": self.faults.__dict__}
            if op == "stats":
                dirty = sum(len(ov.dirty) for ov in self.overlays.values())
                return {
                    **self.counters.__dict__,
                    "dirty_pages": dirty,
                    "faults": self.faults.__dict__,
                    "dead": self.dead,
                }
            if op == "sync":
                self.sync_all()
                return {}
            if op == "cut":
                return self.cut(request.get("mode", "drop"), request.get("seed"))
        raise ValueError(f"unknown control op {op!r}")


def _serve_control(ops: PowerCutOps, path: str) -> None:
    """Answer JSON-line requests on a Unix socket, one connection at a time."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)

    def handle(conn: socket.socket) -> None:
        with conn, conn.makefile("rwb") as stream:
            for line in stream:
                try:
                    reply: dict[str, Any] = {"ok": True, **ops.control(json.loads(line))}
                except Exception as exc:
                    reply = {"ok": False, "error": str(exc)}
                stream.write(json.dumps(reply).encode() + b"\n")
                stream.flush()

    while True:
        conn, _ = server.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A FUSE mount that loses unsynced writes.")
    parser.add_argument("--backing", required=True)
    parser.add_argument("--mount", required=True)
    parser.add_argument("--control", required=True, help="Unix socket path for the test")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING)
    ops = PowerCutOps(args.backing)
    threading.Thread(target=_serve_control, args=(ops, args.control), daemon=True).start()
    mfusepy.FUSE(
        ops,
        args.mount,
        foreground=True,
        kernel_cache=True,  # keep the page cache: shared mmap of -shm must stay coherent
        fsname="powercut",
    )


# -- the test side ---------------------------------------------------------------------------


def _unmount_command(mount: Path) -> list[str]:
    for tool in ("fusermount3", "fusermount"):
        if shutil.which(tool):
            return [tool, "-u", "-z", str(mount)]
    return ["umount", "-l", str(mount)]


class PowerCutDisk:
    """Mount, fault and cut a power-cut file system from a test.

    ``backing`` holds what reached the disk; ``mount`` is where the node keeps its database.
    ``power_cut()`` loses the unsynced data and unmounts; ``mount_fs()`` brings the disk back
    (a new process, an empty page cache)."""

    def __init__(self, backing: Path, mount: Path, log: Path | None = None) -> None:
        self.backing, self.mount = backing, mount
        self.control_path = str(mount.parent / f".{mount.name}.control")
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._stream: Any = None

    def __enter__(self) -> PowerCutDisk:
        self.mount_fs()
        return self

    def __exit__(self, *exc: object) -> None:
        self.unmount()

    def mount_fs(self, timeout: float = 15.0) -> None:
        self.backing.mkdir(parents=True, exist_ok=True)
        self.mount.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hearth.testing.powercut_fs",
                "--backing",
                str(self.backing),
                "--mount",
                str(self.mount),
                "--control",
                self.control_path,
            ],
            stdout=out,
            stderr=out,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"power-cut file system exited with {self.proc.returncode}")
            if os.path.ismount(self.mount) and os.path.exists(self.control_path):
                with contextlib.suppress(OSError):
                    self._connect()
                    return
            time.sleep(0.02)
        raise TimeoutError("power-cut file system did not mount")

    def _connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(self.control_path)
        self._sock, self._stream = sock, sock.makefile("rwb")

    def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        if self._stream is None:
            raise RuntimeError("the power-cut file system is not mounted")
        self._stream.write(json.dumps(request).encode() + b"\n")
        self._stream.flush()
        reply: dict[str, Any] = json.loads(self._stream.readline())
        if not reply.pop("ok"):
            raise RuntimeError(reply["error"])
        return reply

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """``full=True``, ``space_left=N``, ``eio_write_in=N``, ``eio_fsync_in=N``."""
        return self._call({"op": "set", "faults": faults})

    def clear_faults(self) -> dict[str, Any]:
        return self._call({"op": "clear"})

    def stats(self) -> dict[str, Any]:
        return self._call({"op": "stats"})

    def sync(self) -> None:
        """Write every unsynced page to the disk, as ``sync(1)`` does."""
        self._call({"op": "sync"})

    def cut(self, mode: str = "drop", seed: int | None = None) -> dict[str, Any]:
        """Lose the unsynced data now; every later call on the mount fails with EIO."""
        return self._call({"op": "cut", "mode": mode, "seed": seed})

    def power_cut(self, mode: str = "drop", seed: int | None = None) -> dict[str, Any]:
        result = self.cut(mode, seed)
        self.unmount()
        return result

    def unmount(self) -> None:
        """Unmount: cleanly (everything synced first, as at a shutdown) unless the power was
        cut, in which case files still open on the mount answer ENOTCONN from now on."""
        if self._stream is not None:
            with contextlib.suppress(OSError, RuntimeError, ValueError):
                if not self.stats()["dead"]:
                    self.sync()
        if self._stream is not None:
            with contextlib.suppress(OSError):
                self._stream.close()
                assert self._sock is not None
                self._sock.close()
            self._stream = self._sock = None
        if self.proc is not None:
            # Not guarded by os.path.ismount: after a cut the mount answers EIO, and ismount
            # takes that for "not a mount point".
            subprocess.run(_unmount_command(self.mount), check=False, capture_output=True)
            try:
                # A lazy unmount leaves the daemon serving files still open (a connection
                # the test has not closed yet); it is synced or cut already, so end it.
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


if __name__ == "__main__":
    main()


# -- the power-cut run -----------------------------------------------------------------------

CUT_MODES = ("tear", "scatter", "drop")


@dataclass
class PowerCutReport:
    cuts: int = 0
    modes: dict[str, int] = field(default_factory=dict)
    orders_acknowledged: int = 0
    payments_acknowledged: int = 0
    lost_orders: int = 0
    duplicate_orders: int = 0
    lost_payments: int = 0
    duplicate_payments: int = 0
    seq_gaps: int = 0
    retried_after_restart: int = 0
    unsynced_bytes_lost: int = 0  # what the cuts threw away (proof that they cut something)
    torn_or_scattered_bytes: int = 0  # unsynced bytes that reached the disk at a cut
    integrity_failures: list[str] = field(default_factory=list)
    restart_failures: list[str] = field(default_factory=list)
    restart_s_max: float = 0.0
    journal_events: int = 0

    @property
    def clean(self) -> bool:
        return not (
            self.lost_orders
            or self.duplicate_orders
            or self.lost_payments
            or self.duplicate_payments
            or self.seq_gaps
            or self.integrity_failures
            or self.restart_failures
        )


def run_power_cut_suite(
    tmp: Path,
    cuts: int,
    clients: int = 4,
    seed: int = 11,
    progress: Any = None,
) -> PowerCutReport:
    """A real store node with its database on a ``PowerCutDisk``; tills order and pay; at a
    random moment the power goes (unsynced data lost: all of it, or with a torn last write, or
    a random subset of pages reaching the disk) and the node is SIGKILLed; the disk comes back,
    the node is started again by itself, the requests the cut left unanswered are retried with
    their keys, and every acknowledged order and payment must be there exactly once, the
    journal without a gap, and ``PRAGMA integrity_check`` ok."""
    import httpx
    import sqlalchemy as sa

    from hearth.bootstrap import build_node
    from hearth.testing.builders import a_small_restaurant, fast_settings
    from hearth.testing.crash import CrashReport, Ledger, _check_ledger, _client, _retry_unanswered
    from hearth.testing.process import NodeProcess

    disk = PowerCutDisk(tmp / "disk", tmp / "mnt", log=tmp / "fs.log")
    disk.mount_fs()
    db_url = f"sqlite:///{disk.mount}/store.db"
    setup = build_node(fast_settings(db_url))
    ids = a_small_restaurant(setup)
    setup.close()
    node = NodeProcess(db_url, log=tmp / "node.log")
    report, ledger, rng = PowerCutReport(), Ledger(), random.Random(seed)
    try:
        node.start(timeout=90)
        staff = httpx.post(
            f"{node.base_url}/api/auth/pin",
            json={"staff_code": "C01", "pin": ids.pins["C01"]},
            headers={"X-Terminal-Key": ids.terminal_key},
        ).json()["access_token"]
        for n in range(1, cuts + 1):
            stop = threading.Event()
            threads = [
                threading.Thread(
                    target=_client,
                    args=(node.base_url, staff, ids, ledger, stop, seed * 1000 + n * 10 + i, True),
                )
                for i in range(clients)
            ]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.4, 1.4))
            mode = CUT_MODES[n % len(CUT_MODES)]
            # The power goes: the disk loses what was not synced and stops answering, and the
            # node dies with it (it gets no chance to do anything about it).
            cut = disk.cut(mode, seed=rng.randrange(1 << 30))
            node.kill()
            stop.set()
            for t in threads:
                t.join()
            disk.unmount()
            report.cuts = n
            report.modes[mode] = report.modes.get(mode, 0) + 1
            report.unsynced_bytes_lost += cut["lost_bytes"]
            report.torn_or_scattered_bytes += cut["reached_disk_bytes"]
            # The power comes back: the disk, then the node, by itself.
            disk.mount_fs()
            started = time.monotonic()
            try:
                node.start(timeout=90)  # imports alone take a while on a loaded 2-core box
            except (RuntimeError, TimeoutError) as exc:
                report.restart_failures.append(f"after cut {n} ({mode}): {exc}")
                break
            report.restart_s_max = max(report.restart_s_max, time.monotonic() - started)
            _retry_unanswered(node.base_url, staff, ledger)
            reader = sa.create_engine(db_url)
            try:
                check = CrashReport()
                _check_ledger(reader, ledger, check, True)
                with reader.connect() as conn:
                    verdict = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
            finally:
                reader.dispose()
            if verdict != "ok":
                report.integrity_failures.append(f"after cut {n} ({mode}): {verdict}")
            for name in (
                "lost_orders",
                "duplicate_orders",
                "lost_payments",
                "duplicate_payments",
                "seq_gaps",
                "journal_events",
            ):
                setattr(report, name, getattr(check, name))
            report.retried_after_restart = ledger.retried
            report.orders_acknowledged = len(ledger.orders)
            report.payments_acknowledged = len(ledger.payments)
            if progress:
                progress(n, report)
            if not report.clean:
                break
    finally:
        node.stop()
        disk.unmount()
    return report
