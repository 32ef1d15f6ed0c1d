"""Local paths: files, folders walked in sorted order without recursion limits, pipes named on the command line.

Symbolic links to folders are followed once; loops are detected by device and inode; the report file is
refused when it is one of the inputs. Every oddity is one note or one unreadable source, never a silent skip.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ..errors import UsageError
from .formats import format_for_name
from .sources import Discovery, Source


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


class LocalFinder:
    def __init__(self, input_format: str, output: Path | None, result: Discovery) -> None:
        self.input_format = input_format
        self.output = output
        self.output_identity: tuple[int, int] | None = None
        if output is not None:
            try:
                info = output.stat()
            except OSError:
                info = None  # not there yet: created after discovery, so never found as an input
            if info is not None:
                if stat.S_ISDIR(info.st_mode):
                    raise UsageError(f"{output}: is a folder; --output needs a file")
                self.output_identity = _identity(info)
        self.files_seen: dict[tuple[int, int], str] = {}
        self.folders_seen: dict[tuple[int, int], str] = {}
        self.result = result

    def kind(self, name: str) -> str:
        if self.input_format != "auto":
            return self.input_format
        return format_for_name(name) or "auto"

    def refuse_output(self, name: str, info: os.stat_result) -> None:
        if self.output_identity is not None and _identity(info) == self.output_identity:
            raise UsageError(f"{self.output}: the report would overwrite an input ({name}); write it somewhere else")

    def argument(self, argument: str) -> None:
        path = Path(argument)
        try:
            info = path.stat()
        except OSError as exc:
            if path.is_symlink():
                self.result.sources.append(Source(argument, self.kind(argument), path, problem="broken symbolic link"))
                return
            if exc.errno == errno.ENOENT:
                raise UsageError(f"{argument}: no such file or directory") from None
            self.result.sources.append(Source(argument, self.kind(argument), path, problem=_cannot(exc)))
            return
        if stat.S_ISDIR(info.st_mode):
            identity = _identity(info)
            if identity in self.folders_seen:
                self.result.notes.append(f"{argument}: the same folder as {self.folders_seen[identity]}; read once")
                return
            self.folders_seen[identity] = argument
            self.walk(path, identity)
            return
        self.refuse_output(argument, info)
        if stat.S_ISREG(info.st_mode):
            self.add_file(argument, path, info)
        elif stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode):
            # Named on the command line: a pipe (`<(zcat dump.jsonl.gz)`) or a device, read as a stream.
            self.result.sources.append(Source(argument, self.kind(argument), path))
        else:
            self.result.sources.append(Source(argument, self.kind(argument), path, problem="not a regular file"))

    def add_file(self, name: str, path: Path, info: os.stat_result) -> None:
        identity = _identity(info)
        if identity in self.files_seen:
            self.result.notes.append(f"{name}: the same file as {self.files_seen[identity]}; read once")
            return
        self.files_seen[identity] = name
        self.result.sources.append(Source(name, self.kind(name), path, size=info.st_size, regular=True))

    def walk(self, top: Path, identity: tuple[int, int]) -> None:
        """Depth-first, in sorted order, without recursion (trees can be deeper than Python's stack)."""
        found: list[tuple[str, Source | None, Path, os.stat_result | None]] = []
        stack: list[tuple[Path, tuple[tuple[int, int], ...]]] = [(top, (identity,))]
        while stack:
            folder, ancestors = stack.pop()
            try:
                with os.scandir(folder) as scan:
                    entries = sorted(scan, key=lambda e: e.name)
            except OSError as exc:
                name = str(folder)
                found.append(
                    (name, Source(name, "auto", folder, problem=f"cannot read folder: {_reason(exc)}"), folder, None)
                )
                continue
            children: list[tuple[Path, tuple[tuple[int, int], ...]]] = []
            for entry in entries:
                path = Path(entry.path)
                child = self._entry(entry, path, ancestors, found)
                if child is not None:
                    children.append(child)
            stack.extend(reversed(children))
        for name, source, path, info in sorted(found, key=lambda item: Path(item[0]).parts):
            if source is not None:
                self.result.sources.append(source)
            else:
                assert info is not None
                self.add_file(name, path, info)

    def _entry(
        self,
        entry: os.DirEntry[str],
        path: Path,
        ancestors: tuple[tuple[int, int], ...],
        found: list[tuple[str, Source | None, Path, os.stat_result | None]],
    ) -> tuple[Path, tuple[tuple[int, int], ...]] | None:
        name = str(path)
        try:
            link = entry.is_symlink()
            info = os.stat(path)  # follows links
        except OSError as exc:
            kind = format_for_name(entry.name)
            if kind is not None or self.input_format != "auto":
                problem = "broken symbolic link" if link else f"cannot read: {_reason(exc)}"
                found.append((name, Source(name, self.kind(name), path, problem=problem), path, None))
            elif link:
                self.result.notes.append(f"{name}: broken symbolic link; skipped")
            return None
        if stat.S_ISDIR(info.st_mode):
            identity = _identity(info)
            if identity in ancestors:
                self.result.notes.append(
                    f"{name}: symbolic link loop (back to {self.folders_seen[identity]}); not followed"
                )
                return None
            if identity in self.folders_seen:
                self.result.notes.append(f"{name}: the same folder as {self.folders_seen[identity]}; read once")
                return None
            self.folders_seen[identity] = name
            if link:
                self.result.notes.append(f"{name}: symbolic link to a folder; followed")
            return path, (*ancestors, identity)
        if format_for_name(entry.name) is None:
            return None
        self.refuse_output(name, info)
        if stat.S_ISREG(info.st_mode):
            found.append((name, None, path, info))
        else:  # a pipe, socket or device inside a folder: opening it could block forever
            found.append((name, Source(name, self.kind(name), path, problem="not a regular file"), path, None))
        return None


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _cannot(exc: OSError) -> str:
    return f"cannot read: {_reason(exc)}"
