"""A tiny binary writer/reader for compact, versioned state bytes (standard library only).

Examples
--------
>>> w = Writer()
>>> w.u8(7); w.f64(1.5); w.text("P40211"); w.u32(70000)
>>> r = Reader(w.getvalue())
>>> r.u8(), r.f64(), r.text(), r.u32()
(7, 1.5, 'P40211', 70000)
>>> r.done()
"""

from __future__ import annotations

import struct
from array import array

_U8 = struct.Struct("<B")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")
_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")


class StateDecodeError(ValueError):
    """State bytes that cannot be read (truncated, corrupted or an unknown version)."""


class Writer:
    __slots__ = ("_parts",)

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def u8(self, value: int) -> None:
        self._parts.append(_U8.pack(value))

    def u16(self, value: int) -> None:
        self._parts.append(_U16.pack(value))

    def u32(self, value: int) -> None:
        self._parts.append(_U32.pack(value))

    def i32(self, value: int) -> None:
        self._parts.append(_I32.pack(value))

    def f32(self, value: float) -> None:
        self._parts.append(_F32.pack(value))

    def f64(self, value: float) -> None:
        self._parts.append(_F64.pack(value))

    def text(self, value: str) -> None:
        raw = value.encode("utf-8")
        if len(raw) < 255:
            self._parts.append(_U8.pack(len(raw)))
        else:
            self._parts.append(b"\xff" + _U16.pack(len(raw)))
        self._parts.append(raw)

    def blob(self, value: bytes) -> None:
        self._parts.append(_U16.pack(len(value)))
        self._parts.append(value)

    def numbers(self, values: array[int] | array[float]) -> None:
        """An array of a fixed type code, count-prefixed (little-endian machines)."""
        self._parts.append(_U16.pack(len(values)))
        self._parts.append(values.tobytes())

    def raw(self, value: bytes) -> None:
        """Bytes whose length the reader knows from what came before."""
        self._parts.append(value)

    def packed(self, values: bytes, itemsize: int) -> None:
        """Values already packed as `numbers` would write them, `itemsize` bytes each."""
        self._parts.append(_U16.pack(len(values) // itemsize))
        self._parts.append(values)

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


class Reader:
    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def _take(self, size: int) -> bytes:
        end = self._pos + size
        if end > len(self._data):
            raise StateDecodeError("state bytes are truncated")
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    def u8(self) -> int:
        value: int = _U8.unpack(self._take(1))[0]
        return value

    def u16(self) -> int:
        value: int = _U16.unpack(self._take(2))[0]
        return value

    def u32(self) -> int:
        value: int = _U32.unpack(self._take(4))[0]
        return value

    def i32(self) -> int:
        value: int = _I32.unpack(self._take(4))[0]
        return value

    def f32(self) -> float:
        value: float = _F32.unpack(self._take(4))[0]
        return value

    def f64(self) -> float:
        value: float = _F64.unpack(self._take(8))[0]
        return value

    def text(self) -> str:
        size = self.u8()
        if size == 255:
            size = self.u16()
        try:
            return self._take(size).decode("utf-8")
        except UnicodeDecodeError as error:
            raise StateDecodeError("state bytes hold invalid text") from error

    def blob(self) -> bytes:
        return self._take(self.u16())

    def ints(self, typecode: str) -> array[int]:
        count = self.u16()
        values: array[int] = array(typecode)
        values.frombytes(self._take(count * values.itemsize))
        return values

    def floats(self, typecode: str) -> array[float]:
        count = self.u16()
        values: array[float] = array(typecode)
        values.frombytes(self._take(count * values.itemsize))
        return values

    def raw(self, size: int) -> bytes:
        return bytes(self._take(size))

    def packed(self, itemsize: int) -> bytes:
        """What `Writer.packed` (or `numbers`) wrote, as the packed bytes."""
        return bytes(self._take(self.u16() * itemsize))

    def done(self) -> None:
        if self._pos != len(self._data):
            raise StateDecodeError("state bytes have trailing data")
