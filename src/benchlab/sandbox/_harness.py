"""The program that runs inside the sandbox, before and around the untrusted code.

Why a separate script: it must start in a fresh interpreter (`python -I -S`), use only the
standard library and lock the process down (rlimits, uid, seccomp, audit hook) before a
single untrusted line runs.

`_harness.py once IN_FD OUT_FD` runs one program; `_harness.py serve IN_FD OUT_FD` is a fork
server that runs one program per request, each in a forked child with its own session,
directory, limits and uid. Requests are length-prefixed marshal messages from the parent
(trusted) on IN_FD; each carries a random nonce, so the nonce never appears in argv, the
environment, a file or the program source, and the child closes every inherited descriptor
but its report channel before untrusted code starts. The report channel gets text lines:
`started UID SECCOMP GUARD` once locked down, then `passed NONCE` only after every test
statement returned, or `failed HEX(reason)`. The parent counts a pass only when the nonce
matches, so exiting early (`sys.exit(0)`, `os._exit(0)`) never looks like success. While
untrusted code runs, the audit hook refuses the ways Python offers to reach the harness's
frames or memory (frame and gc introspection, signal handlers, ctypes, /proc), and the process
is made non-dumpable, so its /proc files belong to root and a non-root program cannot read its
own memory even past the hook; the nonce cannot be read back, and a pass therefore means the
test code returned. The parent also refuses any report but `started`, then one verdict.
"""

import builtins
import marshal
import os
import resource
import sys

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
_DENIED_IMPORTS = frozenset({"signal", "_signal", "ctypes", "_ctypes", "_posixsubprocess"})
# `_imp.create_builtin` raises no audit event, so the guard routes module creation through
# this event instead (see `_gate_module_creation`); `_imp` itself may not be created afresh,
# since a fresh copy would carry the ungated functions.
_CREATE_EVENT = "benchlab.create_module"
_DENIED_CREATIONS = _DENIED_IMPORTS | {"_imp"}

_SECCOMP_ARCH = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
_NR_IO_URING_SETUP = 425


class SandboxViolation(ValueError):
    """Raised by the audit hook; a ValueError so stdlib `except ValueError` probes still work."""


def _install_seccomp():
    """Refuse socket(2) and io_uring_setup(2) with EACCES, in this process and its children."""
    machine = os.uname().machine
    if machine not in _SECCOMP_ARCH:
        return False
    import ctypes

    arch, nr_socket = _SECCOMP_ARCH[machine]
    ret_errno = 0x00050000 | 13  # SECCOMP_RET_ERRNO | EACCES
    program = [
        (0x20, 0, 0, 4),  # ld arch
        (0x15, 1, 0, arch),  # jeq arch -> skip kill
        (0x06, 0, 0, 0x80000000),  # ret KILL_PROCESS (foreign ABI, e.g. int 0x80)
        (0x20, 0, 0, 0),  # ld syscall number
        (0x35, 3, 0, 0x40000000),  # jge x32 bit -> errno
        (0x15, 2, 0, nr_socket),  # jeq socket -> errno
        (0x15, 1, 0, _NR_IO_URING_SETUP),  # jeq io_uring_setup -> errno
        (0x06, 0, 0, 0x7FFF0000),  # ret ALLOW
        (0x06, 0, 0, ret_errno),  # ret ERRNO
    ]

    class Filter(ctypes.Structure):
        _fields_ = [
            ("code", ctypes.c_ushort),
            ("jt", ctypes.c_ubyte),
            ("jf", ctypes.c_ubyte),
            ("k", ctypes.c_uint),
        ]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]

    filters = (Filter * len(program))(*[Filter(*row) for row in program])
    fprog = Program(len(program), filters)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong,
                           ctypes.c_ulong]  # fmt: skip
    if libc.prctl(38, 1, None, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        return False
    return libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) == 0  # PR_SET_SECCOMP, FILTER


def _mount_private_fs(tmpfs_bytes, exposures):
    """In a fresh mount namespace: private dirs emptied but for the interpreter, everything
    read-only, then a private tmpfs /tmp and /dev/shm."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    ms_rdonly, ms_nosuid, ms_nodev, ms_noexec = 1, 2, 4, 8
    ms_remount, ms_bind, ms_rec, ms_private = 32, 4096, 16384, 1 << 18
    libc.mount(None, b"/", None, ms_rec | ms_private, None)
    for directory, paths in exposures:
        handles = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY)) for path in paths]
        if libc.mount(b"tmpfs", directory.encode(), b"tmpfs", ms_nosuid | ms_nodev,
                      b"size=1m,mode=0755") != 0:  # fmt: skip
            raise OSError(ctypes.get_errno(), f"cannot hide {directory}")
        for path, handle in handles:
            os.makedirs(path, exist_ok=True)
            source = f"/proc/self/fd/{handle}".encode()
            if libc.mount(source, path.encode(), None, ms_bind | ms_rec, None) != 0:
                raise OSError(ctypes.get_errno(), f"cannot expose {path}")
            os.close(handle)
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        points = [line.split()[4] for line in handle]
    root_readonly = False
    for point in points:
        path = point.encode().decode("unicode_escape").encode("latin-1")
        try:
            keep = os.statvfs(path).f_flag & (ms_nosuid | ms_nodev | ms_noexec | 1024 | 2048)
        except OSError:
            continue
        flags = ms_remount | ms_bind | ms_rdonly | keep
        if libc.mount(None, path, None, flags, None) == 0 and point == "/":
            root_readonly = True
    options = f"size={tmpfs_bytes},mode=0755".encode()
    if libc.mount(b"tmpfs", b"/tmp", b"tmpfs", ms_nosuid | ms_nodev, options) != 0:
        raise OSError(ctypes.get_errno(), "cannot mount a private /tmp")
    if os.path.isdir("/dev/shm"):
        libc.mount(b"tmpfs", b"/dev/shm", b"tmpfs", ms_nosuid | ms_nodev, options)
    return root_readonly


def _set_limits(limits):
    cpu = limits["cpu_seconds"]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    if limits["memory_bytes"]:
        memory = limits["memory_bytes"]
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    size = limits["file_size_bytes"]
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"], limits["open_files"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limits["nproc"]:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["nproc"], limits["nproc"]))


def _drop_privileges(uid):
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _make_undumpable():
    """Clear the dumpable flag (after any uid change, which may reset it).

    /proc/self/mem, maps and environ then belong to root, so a program running as any other
    uid cannot read the harness's memory (and the nonce in it) through them, guard or not.
    """
    import ctypes

    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0: cannot fail


def _gate_module_creation(audit):
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


def _make_guard(create_originals):
    """An audit hook that refuses introspection, processes, sockets and /proc while active.

    `create_originals` are `_imp`'s module-creation functions (see `_gate_module_creation`);
    the hook calls them for allowed names when `_CREATE_EVENT` is raised.
    """
    realpath, join = os.path.realpath, os.path.join
    denied_events = _DENIED_EVENTS
    denied_attributes = _DENIED_ATTRIBUTES
    denied_imports = _DENIED_IMPORTS
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


def _stay_as_init():
    """As PID 1 of a new namespace, fork: the child runs the program, this process reaps.

    PID 1 ignores signals it has no handler for, including SIGXCPU from the CPU limit, so the
    program must not run as PID 1. This process exits with the program's status (128 + signal
    when killed), and the kernel then kills whatever else is left in the namespace.
    """
    child = os.fork()
    if child == 0:
        return
    for fd in range(3, 256):
        try:  # noqa: SIM105 - keeps the harness's imports minimal
            os.close(fd)
        except OSError:
            pass
    while True:
        pid, status = os.wait()
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            os._exit(128 - code if code < 0 else code)


def _describe(error):
    name = type(error).__name__ if type(type(error)) is type else "Exception"
    try:
        text = str(error)
    except BaseException:
        text = "<unprintable>"
    if isinstance(error, SystemExit):
        return f"SystemExit: exit({text}) before the checks completed"
    return f"{name}: {text}" if text else name


def _read_message(fd):
    """One length-prefixed marshal message from the (trusted) other side, None at EOF."""
    header = b""
    while len(header) < 8:
        chunk = os.read(fd, 8 - len(header))
        if not chunk:
            return None
        header += chunk
    size = int.from_bytes(header, "big")
    parts, got = [], 0
    while got < size:
        chunk = os.read(fd, min(1 << 20, size - got))
        if not chunk:
            return None
        parts.append(chunk)
        got += len(chunk)
    return marshal.loads(b"".join(parts))


def _write_message(fd, message):
    data = marshal.dumps(message)
    view = memoryview(len(data).to_bytes(8, "big") + data)
    while view:
        view = view[os.write(fd, view) :]


def _prepare_namespace(setup):
    """Once per sandbox: private filesystem (for `unshare`), lower priority."""
    if setup.get("nice"):
        os.nice(setup["nice"])
    if setup.get("mount_private_fs"):
        _mount_private_fs(setup["tmpfs_bytes"], setup["exposures"])


def _run_untrusted(request, report_fd):
    """Lock this process down, run the program and its test, report, and exit."""
    nonce = request.pop("nonce")
    write, hard_exit = os.write, os._exit
    _set_limits(request["limits"])
    seccomp = _install_seccomp()
    uid = request.get("uid")
    if uid is not None and os.geteuid() == 0:
        _drop_privileges(uid)
    _make_undumpable()
    pristine = dict(builtins.__dict__)
    sys.modules["__main__"] = type(sys)("__main__")
    for name in [m for m in sys.modules if m.partition(".")[0] in _DENIED_IMPORTS]:
        del sys.modules[name]
    for name in ("_main", "_serve", "_serve_one", "_run_untrusted"):
        globals().pop(name, None)
    guard = {}
    guarded = bool(request.get("guard", True))
    if guarded:
        hook, guard = _make_guard(_gate_module_creation(sys.audit))
        sys.addaudithook(hook)
    write(report_fd, f"started {os.getuid()} {int(seccomp)} {int(guarded)}\n".encode())
    code, context, test = request["code"], request["context"], request["test"]
    exports = request["exports"]
    del request
    # Untrusted code from here on; `nonce` lives only in this frame, which it cannot reach.
    guard["active"] = True
    try:
        program_globals = {"__builtins__": builtins}
        exec(compile(code, "<program>", "exec"), program_globals)
        test_globals = {k: v for k, v in program_globals.items() if type(k) is str}
        test_globals["__builtins__"] = dict(pristine)
        if context:
            exec(compile(context, "<context>", "exec"), test_globals)
        for name in exports:
            if name not in program_globals:
                raise NameError(f"the program does not define {name!r}")
            test_globals[name] = program_globals[name]
        del program_globals
        if test:
            exec(compile(test, "<test>", "exec"), test_globals)
    except BaseException as error:  # every way out of untrusted code is a failure
        line = "failed " + _describe(error)[:2000].encode("utf-8", "replace").hex()
    else:
        line = "passed " + nonce
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:  # noqa: SIM105 - contextlib could be monkeypatched by the program by now
            stream.flush()
        except BaseException:  # the program may have replaced or closed them
            pass
    try:  # noqa: SIM105
        write(report_fd, (line + "\n").encode())
    except BaseException:  # a closed report channel is the program's doing
        pass
    hard_exit(0)


def _processes_of(uid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/status", "rb") as handle:
                    for line in handle:
                        if line.startswith(b"Uid:"):
                            if int(line.split()[1]) == uid:
                                found.append(int(entry))
                            break
            except (OSError, ValueError):
                continue
    return found


def _sweep(uid, timeout=2.0):
    """Kill every process of the program's uid and wait until none is left."""
    import contextlib
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = _processes_of(uid)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
        time.sleep(0.005)


def _remove_tree(path):
    import contextlib

    for root, dirs, files in os.walk(path, topdown=False):
        for name in files:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(root, name))
        for name in dirs:
            full = os.path.join(root, name)
            with contextlib.suppress(OSError):
                os.unlink(full) if os.path.islink(full) else os.rmdir(full)
    with contextlib.suppress(OSError):
        os.rmdir(path)


def _serve_one(request, number, base):
    """Fork one program in a fresh session and directory; relay how it ended."""
    import contextlib
    import time

    from _streams import collect

    workdir = f"{base}/{number}"
    os.mkdir(workdir)
    os.chmod(workdir, 0o777)
    pipes = [os.pipe() for _ in range(3)]
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            for target, (_, write_end) in zip((1, 2, 3), pipes, strict=True):
                os.dup2(write_end, target)
            os.closerange(4, 1 << 16)
            os.chdir(workdir)
            os.environ["HOME"] = os.environ["TMPDIR"] = workdir
            _run_untrusted(request, 3)
        finally:
            os._exit(70)
    for _, write_end in pipes:
        os.close(write_end)
    caps = request["caps"]
    sinks = {
        pipes[0][0]: [bytearray(), caps[0], "stdout"],
        pipes[1][0]: [bytearray(), caps[0], "stderr"],
        pipes[2][0]: [bytearray(), caps[1], "the report channel"],
    }
    timed_out, overflow = collect(pid, sinks, started + request["wall_seconds"])
    if timed_out or overflow:
        with contextlib.suppress(OSError):
            os.killpg(pid, 9)
    _, status, usage = os.wait4(pid, 0)
    uid = request.get("uid")
    if uid is not None:
        _sweep(uid)
    for read_end, _ in pipes:
        os.close(read_end)
    _remove_tree(workdir)
    buffers = [bytes(sink[0]) for sink in sinks.values()]
    return {
        "returncode": os.waitstatus_to_exitcode(status),
        "cpu": usage.ru_utime + usage.ru_stime,
        "duration": time.monotonic() - started,
        "stdout": buffers[0],
        "stderr": buffers[1],
        "report": buffers[2],
        "timed_out": timed_out,
        "overflow": overflow,
    }


def _serve(in_fd, out_fd):
    """Fork server: one sandbox, many programs, each in its own child, uid and directory."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import ctypes  # noqa: F401 - warm: every child installs seccomp with it
    import selectors  # noqa: F401
    import time  # noqa: F401

    setup = _read_message(in_fd)
    _prepare_namespace(setup)
    base = setup["workdir"]
    os.makedirs(base, exist_ok=True)
    os.chdir(base)
    number = 0
    while True:
        request = _read_message(in_fd)
        if request is None:
            os._exit(0)
        _write_message(out_fd, _serve_one(request, number, base))
        number += 1


def _main():
    mode, in_fd, out_fd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if os.getpid() == 1:
        _stay_as_init()
    if mode == "serve":
        _serve(in_fd, out_fd)
    request = _read_message(in_fd)
    os.close(in_fd)
    _prepare_namespace(request)
    workdir = request.get("workdir")
    if workdir:
        os.makedirs(workdir, exist_ok=True)
        os.chmod(workdir, 0o777)
        os.chdir(workdir)
    _run_untrusted(request, out_fd)


_main()
