"""An append-only file written through a shared memory mapping: the recorder's write path.

The recorder hands every event to the OS as it is recorded, so that a crash of the harness loses at
most the line being written. A ``write`` per line costs ~1.3 µs of system call, about as much as
making the line. Copying the line into a ``MAP_SHARED`` mapping of the file puts the bytes in the
same place, the kernel's page cache, for ~0.6 µs (the first copy into each page still faults once).
The durability is the same: what was appended survives a crash of the process; like ``write``
without ``fsync``, not a power loss or a crash of the kernel.

The file grows by windows of ``WINDOW`` bytes. Each is reserved with ``posix_fallocate`` first, so a
full disk is an ``OSError`` when a window is taken, never a SIGBUS on a copy, and only one window is
mapped at a time, so the process maps a few MiB, not the whole session. A file system that cannot map
files (some network shares) gets one ``write`` a line, as before. ``close`` cuts the file at
its last line. A process that dies leaves the rest of its last window as NUL bytes after the last
line. Readers take that run of NULs for the unwritten space it is (harness/timeline.py skips an
unfinished last line), and a ``MappedLog`` opened on such a file cuts it off and appends after the
last line.
"""

from __future__ import annotations

import errno
import mmap
import os
from pathlib import Path

WINDOW = 4 << 20  # bytes mapped at a time; a line longer than this gets a window of its own size
_PAGE = mmap.ALLOCATIONGRANULARITY
_TAIL_BLOCK = 1 << 16
_NO_MAPPING = (errno.ENODEV, errno.EINVAL, errno.EOPNOTSUPP, errno.EACCES)  # cannot reserve or map: write


class MappedLog:
    """Appends byte strings to ``path`` in order. Not thread-safe: the caller serialises ``append``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            self._end = _data_end(self._fd)
            os.ftruncate(self._fd, self._end)  # a dead writer's unwritten space
        except BaseException:
            os.close(self._fd)
            raise
        self._map: mmap.mmap | None = None
        self._start = self._limit = self._end  # the mapped window: file offsets [start, limit)

    def append(self, data: bytes) -> None:
        """Copy ``data`` to the end of the file (into the page cache: see the module's docstring)."""
        end = self._end + len(data)
        if end > self._limit and not self._take_window(end):
            self._write(data)
            return
        self._map[self._end - self._start : end - self._start] = data  # type: ignore[index]
        self._end = end

    def _take_window(self, end: int) -> bool:
        """Map a fresh window that starts at the page of the current end and reaches past ``end``;
        False when the file system cannot map files (from then on every line is written)."""
        if self._map is not None:
            self._map.close()
            self._map = None
        start = self._end - self._end % _PAGE
        length = max(WINDOW, -(-(end - start) // _PAGE) * _PAGE)
        try:
            os.posix_fallocate(self._fd, start, length)  # ENOSPC here (raised), not SIGBUS later
            self._map = mmap.mmap(self._fd, length, flags=mmap.MAP_SHARED,
                                  prot=mmap.PROT_READ | mmap.PROT_WRITE, offset=start)
        except OSError as exc:
            if exc.errno not in _NO_MAPPING:
                raise
            os.ftruncate(self._fd, self._end)
            self.append = self._write  # type: ignore[method-assign]
            return False
        self._start, self._limit = start, start + length
        return True

    def _write(self, data: bytes) -> None:
        """``append`` on a file system that cannot map files (some network shares): one write a line."""
        written = 0
        while written < len(data):  # the OS may take part of it (a full disk raises instead)
            written += os.pwrite(self._fd, data[written:], self._end + written)
        self._end += len(data)

    @property
    def size(self) -> int:
        """Bytes appended so far (with what the file held when opened)."""
        return self._end

    def close(self) -> None:
        """Unmap and cut the file at its last byte appended."""
        if self._fd < 0:
            return
        try:
            if self._map is not None:
                self._map.close()
                self._map = None
            os.ftruncate(self._fd, self._end)
        finally:
            os.close(self._fd)
            self._fd = -1


def _data_end(fd: int) -> int:
    """The file's size without a trailing run of NUL bytes (the unwritten space a dead writer left)."""
    end = os.fstat(fd).st_size
    while end > 0:
        start = max(0, end - _TAIL_BLOCK)
        block = os.pread(fd, end - start, start).rstrip(b"\0")
        if block:
            return start + len(block)
        end = start
    return 0
