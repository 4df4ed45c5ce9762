"""Plain data across the sandbox's process boundary: a restricted encoding (standard library only).

Only None, bool, int, float, complex, str, bytes, and list, tuple, dict, set and frozenset of
those cross, each checked with `type(x) is ...`: a subclass of a builtin, an object with its
own `__eq__` or a faked `__class__` never does. What is not plain is handed to `other`, which
either names it (a handle the other side can pass back) or refuses it. Decoding is pure
Python with limits on size and depth, so hostile bytes can at worst be refused.
"""

import builtins
import struct

# A private copy: a program that patches `len` or `type` cannot break its own answers.
__builtins__ = dict(vars(builtins))

MAX_DEPTH = 200
_DOUBLE = struct.Struct(">d")
_SCALARS = (type(None), bool, int, float, complex, str, bytes)
_CONTAINERS = {list: b"L", tuple: b"U", set: b"E", frozenset: b"Z", dict: b"M"}


class NotPlain(ValueError):
    """The bytes are not a well-formed encoding, or a value cannot be encoded."""


def _length(n):
    return n.to_bytes(4, "big")


def encode(value, other):
    """Bytes for `value`; `other(obj)` returns (tag, int or str) for what is not plain."""
    out = bytearray()
    _encode(value, other, out, 0)
    return bytes(out)


def _encode(value, other, out, depth):
    kind = type(value)
    if depth > MAX_DEPTH:
        raise NotPlain("nested too deeply")
    if kind in _SCALARS:
        _encode_scalar(value, kind, out)
    elif kind in _CONTAINERS:
        out += _CONTAINERS[kind]
        out += _length(len(value))
        if kind is dict:
            for key, item in value.items():
                _encode(key, other, out, depth + 1)
                _encode(item, other, out, depth + 1)
        else:
            for item in value:
                _encode(item, other, out, depth + 1)
    else:
        tag, payload = other(value)
        if tag == "ref":
            out += b"R" + payload.to_bytes(8, "big")
        else:
            data = payload.encode("utf-8")
            out += b"G" + _length(len(data)) + data


def _encode_scalar(value, kind, out):
    if value is None:
        out += b"N"
    elif kind is bool:
        out += b"T" if value else b"F"
    elif kind is int:
        data = value.to_bytes((value.bit_length() + 8) // 8, "big", signed=True)
        out += b"I" + _length(len(data)) + data
    elif kind is float:
        out += b"D" + _DOUBLE.pack(value)
    elif kind is complex:
        out += b"C" + _DOUBLE.pack(value.real) + _DOUBLE.pack(value.imag)
    else:
        data = value.encode("utf-8", "surrogatepass") if kind is str else value
        out += (b"S" if kind is str else b"B") + _length(len(data)) + data


def decode(data, handle):
    """The value encoded in `data`; `handle(tag, payload)` turns a handle into an object."""
    if type(data) is not bytes:
        raise NotPlain("expected bytes")
    value, end = _decode(data, 0, handle, 0)
    if end != len(data):
        raise NotPlain("trailing bytes")
    return value


def _take(data, at, size):
    end = at + size
    if end > len(data):
        raise NotPlain("truncated")
    return data[at:end], end


def _decode(data, at, handle, depth):
    if depth > MAX_DEPTH:
        raise NotPlain("nested too deeply")
    tag, at = _take(data, at, 1)
    simple = {b"N": None, b"T": True, b"F": False}
    if tag in simple:
        return simple[tag], at
    if tag == b"D":
        raw, at = _take(data, at, 8)
        return _DOUBLE.unpack(raw)[0], at
    if tag == b"C":
        raw, at = _take(data, at, 16)
        return complex(_DOUBLE.unpack(raw[:8])[0], _DOUBLE.unpack(raw[8:])[0]), at
    if tag == b"R":
        raw, at = _take(data, at, 8)
        return handle("ref", int.from_bytes(raw, "big")), at
    raw, at = _take(data, at, 4)
    size = int.from_bytes(raw, "big")
    if tag in (b"I", b"S", b"B", b"G"):
        raw, at = _take(data, at, size)
        if tag == b"I":
            return int.from_bytes(raw, "big", signed=True), at
        if tag == b"B":
            return raw, at
        try:
            text = raw.decode("utf-8", "surrogatepass" if tag == b"S" else "strict")
        except UnicodeDecodeError:
            raise NotPlain("bad text") from None
        return (text, at) if tag == b"S" else (handle("global", text), at)
    if size > len(data) - at:  # every item takes at least one byte
        raise NotPlain("truncated")
    if tag == b"M":
        pairs = []
        for _ in range(size):
            key, at = _decode(data, at, handle, depth + 1)
            item, at = _decode(data, at, handle, depth + 1)
            pairs.append((key, item))
        return _build(dict, pairs), at
    kinds = {b"L": list, b"U": tuple, b"E": set, b"Z": frozenset}
    if tag not in kinds:
        raise NotPlain("unknown tag")
    items = []
    for _ in range(size):
        item, at = _decode(data, at, handle, depth + 1)
        items.append(item)
    return _build(kinds[tag], items), at


def _build(kind, items):
    try:
        return kind(items)
    except TypeError:  # an unhashable key or member
        raise NotPlain("unhashable key") from None
