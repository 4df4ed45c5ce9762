"""The in-process guard: an audit hook that keeps untrusted code away from the harness.

While untrusted code runs, the hook refuses the ways Python offers to reach the harness's
frames or memory (frame and gc introspection, signal handlers, ctypes, /proc), to start
processes, open sockets or change permissions. Standard library only: the harness imports it
by path inside the sandbox, before any untrusted line runs.
"""

import os

_DENIED_EVENTS = frozenset(
    {
        # introspection that reaches the harness's frames, locals or memory
        "sys._getframe",
        "sys._current_frames",
        "sys._current_exceptions",
        "sys.settrace",
        "sys.setprofile",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "function.__new__",
        "code.__new__",
        # processes: no children, no signals to others
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "os.kill",
        "os.killpg",
        "subprocess.Popen",
        "pty.spawn",
        # network (seccomp refuses the syscall too)
        "socket.__new__",
        "socket.connect",
        "socket.bind",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.sendto",
        # permissions and ownership
        "os.chmod",
        "os.chown",
        "os.chflags",
        "shutil.chown",
        # a new symlink could lead a path elsewhere (into /proc) once the open check passed
        "os.symlink",
    }
)
_DENIED_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})
# Python signal handlers receive the interrupted frame, ctypes reads raw memory, and
# `_posixsubprocess.fork_exec` starts processes without an audit event (a background child
# would outlive the program where no uid or namespace sweeps it): these modules are dropped
# from sys.modules before untrusted code and may not be imported or created again.
DENIED_IMPORTS = frozenset({"signal", "_signal", "ctypes", "_ctypes", "_posixsubprocess"})
# `_imp.create_builtin` raises no audit event, so the guard routes module creation through
# this event instead (see `gate_module_creation`); `_imp` itself may not be created afresh,
# since a fresh copy would carry the ungated functions.
_CREATE_EVENT = "benchlab.create_module"
_DENIED_CREATIONS = DENIED_IMPORTS | {"_imp"}


class SandboxViolation(ValueError):
    """Raised by the audit hook; a ValueError so stdlib `except ValueError` probes still work."""


def gate_module_creation(audit):
    """Make `_imp` create modules only through the `_CREATE_EVENT` audit event.

    The import statement raises an `import` event, but `importlib.util.module_from_spec`
    reaches `_imp.create_builtin` (no event at all) and `_imp.create_dynamic` (no event for
    an extension loaded before, such as `_ctypes`) directly. Both are replaced by functions
    that raise the event; the guard's hook keeps the originals where untrusted code cannot
    reach them and refuses the denied modules. Returns the originals, for the hook.
    """
    import _imp

    originals = {"builtin": _imp.create_builtin, "dynamic": _imp.create_dynamic}

    def gated(kind):
        def create(spec, *args):
            created = []
            audit(_CREATE_EVENT, kind, spec, args, created)
            return created[0]

        return create

    _imp.create_builtin = gated("builtin")
    _imp.create_dynamic = gated("dynamic")
    return originals


class _Spec:
    """A module spec whose name and origin were read once, so they cannot change."""

    def __init__(self, name, origin):
        self.name = name
        self.origin = origin


def make_guard(create_originals):
    """An audit hook that refuses introspection, processes, sockets and /proc while active.

    `create_originals` are `_imp`'s module-creation functions (see `gate_module_creation`);
    the hook calls them for allowed names when `_CREATE_EVENT` is raised.
    """
    realpath, join = os.path.realpath, os.path.join
    denied_events = _DENIED_EVENTS
    denied_attributes = _DENIED_ATTRIBUTES
    denied_imports = DENIED_IMPORTS
    denied_creations = _DENIED_CREATIONS
    create_event = _CREATE_EVENT
    spec_type = _Spec
    violation = SandboxViolation
    state = {"active": False}

    def denied(name, names):
        return type(name) is not str or not names.isdisjoint(name.split("."))

    def create(kind, spec, args, created):
        name, origin = getattr(spec, "name", None), getattr(spec, "origin", None)
        plain = origin is None or type(origin) is str
        if state["active"] and (denied(name, denied_creations) or not plain):
            raise violation(f"sandbox: creating module {name!r} is not allowed")
        created.append(create_originals[kind](spec_type(name, origin), *args))

    def under_proc(path):
        return path == "/proc" or path.startswith("/proc/")

    def hook(event, args):
        if event == create_event and len(args) == 4 and args[0] in create_originals:
            create(*args)
            return
        if not state["active"]:
            return
        if event in denied_events or event.startswith("ctypes."):
            raise violation(f"sandbox: {event} is not allowed")
        if event == "import" and args:
            if denied(args[0], denied_imports):  # any part: `pkg._ctypes` loads _ctypes.so
                raise violation(f"sandbox: importing {args[0]} is not allowed")
        elif event == "object.__getattr__" and len(args) > 1 and type(args[1]) is str:
            if args[1] in denied_attributes:
                raise violation(f"sandbox: reading .{args[1]} is not allowed")
        elif event == "open" and args:
            path = args[0]
            if type(path) is bytes:
                path = path.decode("utf-8", "surrogateescape")
            if type(path) is not str:
                return  # a file descriptor: already open, nothing new is reached
            # The event does not say whether `dir_fd` was given: a relative path may start
            # at any directory, / included, or at a /dev/fd/N link to one. Without `..`
            # (which a rename can also redirect mid-walk) and new symlinks (os.symlink is
            # denied), such a path only enters /proc through a `proc` component.
            parts = path.split("/")
            if ".." in parts:
                raise violation("sandbox: paths with '..' are not allowed")
            through_proc = not path.startswith("/") and "proc" in parts
            if through_proc or under_proc(realpath(path)) or under_proc(realpath(join("/", path))):
                raise violation("sandbox: /proc is not readable")

    return hook, state
