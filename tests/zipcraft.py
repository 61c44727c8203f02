"""Zip files written by hand, for hostile inputs: any header may say what the test wants it to.

`Member` is one entry as stored: its name, the bytes after its local header, and what the
headers declare (CRC, uncompressed size, method). `write` lays members out with local headers,
a central directory and its end record, repeating whatever the members declare.
"""
from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Member:
    name: str
    stream: bytes          # stored bytes (raw deflate for method 8)
    crc: int
    size: int              # declared uncompressed size
    method: int = 8

    @classmethod
    def of(cls, name: str, content: bytes, method: int = 8) -> "Member":
        stream = deflate(content) if method == 8 else content
        return cls(name, stream, zlib.crc32(content), len(content), method)


def deflate(content: bytes, level: int = 6) -> bytes:
    pack = zlib.compressobj(level, zlib.DEFLATED, -15)
    return pack.compress(content) + pack.flush()


def read_members(path: Path) -> list[Member]:
    with zipfile.ZipFile(path) as zf:
        return [Member.of(i.filename, zf.read(i)) for i in zf.infolist()]


def write(dst: Path, members: list[Member]) -> Path:
    dst.write_bytes(to_bytes(members))
    return dst


def to_bytes(members: list[Member]) -> bytes:
    out, central = bytearray(), bytearray()
    for m in members:
        name = m.name.encode("utf-8")
        fixed = (20, 0x800, m.method, 0, 0x21, m.crc & 0xFFFFFFFF, len(m.stream), m.size)
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, *fixed, len(name),
                               0, 0, 0, 0, 0, len(out)) + name
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", *fixed, len(name), 0) + name + m.stream
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members),
                      len(central), len(out), 0)
    return bytes(out + central + end)


def bomb_stream(content: bytes, extra: int) -> bytes:
    """Raw deflate of content + `extra` spaces, built without holding the inflated bytes: a
    block of spaces compressed once after a full flush is repeated (each starts afresh)."""
    pack = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = pack.compress(content) + pack.flush(zlib.Z_FULL_FLUSH)
    chunk = min(16 << 20, max(extra, 1))
    block = pack.compress(b" " * chunk) + pack.flush(zlib.Z_FULL_FLUSH)
    return head + block * (extra // chunk) + pack.flush()


def lying(member_content: bytes, name: str, extra: int) -> Member:
    """A member inflating to `extra` bytes more than it declares; the declared CRC is that of
    the declared bytes, so a reader stopping at the declared size sees no fault."""
    return Member(name, bomb_stream(member_content, extra), zlib.crc32(member_content),
                  len(member_content))
