"""The test in one process, the untrusted program in another, and only plain data between them.

The harness forks before any untrusted line runs. The program's process executes the code,
sends its top-level names, then answers calls; the judge's process (trusted test code, no
untrusted code ever) sees each program function as a `Remote` whose calls cross the pipe as
restricted plain data (`_plain`). Comparisons, `abs`, `math.isclose` and every assert run in
the judge on values the program cannot have subclassed or patched: an object whose `__eq__`
always answers True, or a patched builtin or module, stays in the program's process.
Anything that is not plain data crosses only as a handle, which the test can call, iterate or
pass back, but which has no value of its own: comparing it is an error, unless with itself.
"""

import builtins
import os

import _plain

# A private copy: a program that patches a builtin cannot break the protocol.
__builtins__ = dict(vars(builtins))

MAX_MESSAGE = 64 << 20
_MANIFEST_ITEM = 1 << 20


class ProgramEnded(Exception):
    """The program's process failed, ended, or broke the protocol; the message says how."""


def write_message(fd, data):
    """One length-prefixed message."""
    view = memoryview(len(data).to_bytes(8, "big") + data)
    while view:
        view = view[os.write(fd, view) :]


def read_message(fd, cap=MAX_MESSAGE):
    """One length-prefixed message, or None at end of file (or a message over `cap`)."""
    header = b""
    while len(header) < 8:
        chunk = os.read(fd, 8 - len(header))
        if not chunk:
            return None
        header += chunk
    size = int.from_bytes(header, "big")
    if size > cap:
        return None
    parts, got = [], 0
    while got < size:
        chunk = os.read(fd, min(1 << 20, size - got))
        if not chunk:
            return None
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


# ---------------------------------------------------------------- the judge's side (trusted)


class Remote:
    """A handle to an object of the program: callable, iterable, with readable attributes."""

    __slots__ = ("_channel", "_number")

    def __init__(self, channel, number):
        object.__setattr__(self, "_channel", channel)
        object.__setattr__(self, "_number", number)

    def __call__(self, *args, **kwargs):
        return self._channel.request("call", self, args, kwargs)

    def __iter__(self):
        return self._channel.request("iter", self, (), {})

    def __next__(self):
        return self._channel.request("next", self, (), {})

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._channel.request("getattr", self, (name,), {})

    def __setattr__(self, name, value):
        self._channel.request("setattr", self, (name, value), {})

    def __eq__(self, other):
        if other is self:
            return True
        raise TypeError("an object of the program has no value outside it; return plain data")

    def __ne__(self, other):
        return not self.__eq__(other)

    def __bool__(self):
        raise TypeError("an object of the program has no truth value outside it")

    __hash__ = object.__hash__

    def __repr__(self):
        return f"<object {self._number} of the program>"


class Channel:
    """The judge's end of the pipes to the program's process."""

    def __init__(self, to_program, from_program):
        self.to_program = to_program
        self.from_program = from_program
        self.handles = {}
        self.context_names = {}  # id(object) -> (name, object), for what the context made

    def _handle(self, tag, payload):
        if tag != "ref":
            raise _plain.NotPlain("the program sent a name")
        if payload not in self.handles:
            self.handles[payload] = Remote(self, payload)
        return self.handles[payload]

    def _name(self, value):
        if type(value) is Remote and value._channel is self:
            return "ref", value._number
        named = self.context_names.get(id(value))
        if named is None or named[1] is not value:
            raise TypeError(f"cannot pass {type(value).__name__!r} to the program: not plain data")
        return "global", named[0]

    def receive(self):
        """The next message from the program, decoded; ProgramEnded if there is none."""
        data = read_message(self.from_program)
        if data is None:
            raise ProgramEnded("the program ended before the checks completed")
        try:
            message = _plain.decode(data, self._handle)
        except _plain.NotPlain as error:
            raise ProgramEnded(f"the program sent a malformed message ({error})") from None
        if type(message) is not tuple or not message or type(message[0]) is not str:
            raise ProgramEnded("the program sent a malformed message")
        return message

    def request(self, op, target, args, kwargs):
        """Ask the program to apply `op` to `target`; its answer, or its exception, raised."""
        payload = _plain.encode((op, target, tuple(args), dict(kwargs)), self._name)
        try:
            write_message(self.to_program, payload)
        except OSError:
            raise ProgramEnded("the program ended before the checks completed") from None
        reply = self.receive()
        if reply[0] == "return" and len(reply) == 2:
            return reply[1]
        if reply[0] == "raise" and len(reply) == 4 and all(type(x) is str for x in reply[1:]):
            raise _rebuild(*reply[1:])
        raise ProgramEnded("the program sent a malformed reply")


def _rebuild(name, text, description):
    """The builtin exception the program raised (its nearest builtin base), or ProgramEnded."""
    kind = getattr(builtins, name, None)
    if isinstance(kind, type) and issubclass(kind, Exception):
        try:
            return kind(text)
        except Exception:  # a builtin that wants more arguments (UnicodeDecodeError)
            pass
    return ProgramEnded(description)


def judge_namespace(channel, builtins_copy, context, exports):
    """The test's globals: the program's names (as plain data or handles), then the context.

    A program name that shadows a builtin is left out, so `abs`, `isinstance` or
    `AssertionError` in the test are always the real ones; the trusted context runs next
    and restores its own helpers; `exports` are then taken from the program in any case.
    """
    message = channel.receive()
    if message[0] == "failed" and len(message) == 2 and type(message[1]) is str:
        raise ProgramEnded(message[1])
    if message[0] != "loaded" or len(message) != 2 or type(message[1]) is not dict:
        raise ProgramEnded("the program sent a malformed list of names")
    names = message[1]
    namespace = {"__builtins__": builtins_copy}
    for name, value in names.items():
        if type(name) is str and name not in builtins_copy and name != "__builtins__":
            namespace[name] = value
    if context:
        exec(compile(context, "<context>", "exec"), namespace)
    for name, value in namespace.items():
        if name != "__builtins__" and type(value) is not Remote:
            channel.context_names.setdefault(id(value), (name, value))
    for name in exports:
        if name not in names:
            raise NameError(f"the program does not define {name!r}")
        namespace[name] = names[name]
    return namespace


# ---------------------------------------------------------------- the program's side (untrusted)


def _builtin_base(error):
    for kind in type(error).__mro__:
        if getattr(builtins, kind.__name__, None) is kind:
            return kind.__name__
    return "Exception"


def _safe_text(error):
    try:
        return str(error)[:2000]
    except BaseException:
        return "<unprintable>"


def serve(program_globals, read_fd, write_fd, failure, describe):
    """Send the program's names (or `failure`), then answer the judge's calls until it hangs up."""
    objects, numbers = {}, {}

    def number_of(value):
        if type(value) is _Opaque:
            value = value.value
        key = id(value)
        if key not in numbers:
            numbers[key] = len(objects)
            objects[numbers[key]] = value
        return "ref", numbers[key]

    def resolve(tag, payload):
        return objects[payload] if tag == "ref" else program_globals[payload]

    def send(message):
        try:
            data = _plain.encode(message, number_of)
        except _plain.NotPlain:
            data = _plain.encode(("raise", "ValueError", "unencodable", "unencodable"), number_of)
        write_message(write_fd, data)

    if failure is not None:
        send(("failed", failure))
        return
    names = {}
    for name, value in list(program_globals.items()):
        if type(name) is str and name != "__builtins__":
            try:
                encoded = _plain.encode(value, number_of)
                names[name] = value if len(encoded) <= _MANIFEST_ITEM else _Opaque(value)
            except _plain.NotPlain:
                names[name] = _Opaque(value)
    send(("loaded", names))
    while True:
        data = read_message(read_fd)
        if data is None:
            return
        try:
            op, target, args, kwargs = _plain.decode(data, resolve)
            send(("return", _apply(op, target, args, kwargs)))
        except BaseException as error:  # the program's own exception, reported as data
            send(("raise", _builtin_base(error), _safe_text(error), describe(error)))


class _Opaque:
    """Makes a value cross as a handle (an oversized global, an iterator)."""

    def __init__(self, value):
        self.value = value


def _apply(op, target, args, kwargs):
    if op == "call":
        return target(*args, **kwargs)
    if op == "iter":
        return _Opaque(iter(target))  # a handle even if the iterator were plain
    if op == "next":
        return next(target)
    if op == "getattr":
        return getattr(target, args[0])
    if op == "setattr":
        return setattr(target, args[0], args[1])
    raise ValueError(f"unknown operation {op!r}")
