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

Each program runs as two processes forked from the locked-down harness: the program's (its
own uid when root, audit hook on, no report channel) executes the untrusted code and answers
calls; the judge's (another uid, holding the nonce and the report channel) runs the trusted
context and test, seeing the program's names as plain data or handles (`_calls`, `_plain`).
So nothing the program patches or returns can change how the test's asserts evaluate.
"""

import builtins
import marshal
import os
import resource
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _calls
import _guard
import _plain

_SECCOMP_ARCH = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
_NR_IO_URING_SETUP = 425


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
    if isinstance(error, _calls.ProgramEnded):
        return text  # already says how the program failed"
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


def _flush_streams():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:  # noqa: SIM105 - contextlib could be monkeypatched by the program by now
            stream.flush()
        except BaseException:  # the program may have replaced or closed them
            pass


def _run_program(request, uid, seccomp, guarded, read_fd, write_fd):
    """The program's process: lock down, run the untrusted code, answer the judge's calls."""
    try:
        if uid is not None and os.geteuid() == 0:
            _drop_privileges(uid)
        _make_undumpable()
        sys.modules["__main__"] = type(sys)("__main__")
        for name in [m for m in sys.modules if m.partition(".")[0] in _guard.DENIED_IMPORTS]:
            del sys.modules[name]
        for name in ("_main", "_serve", "_serve_one", "_run_untrusted", "_judge"):
            globals().pop(name, None)
        guard = {}
        if guarded:
            hook, guard = _guard.make_guard(_guard.gate_module_creation(sys.audit))
            sys.addaudithook(hook)
        ready = ("ready", os.getuid(), int(seccomp), int(guarded))
        _calls.write_message(write_fd, _plain.encode(ready, None))
        if _calls.read_message(read_fd) != b"go":  # the judge has reported `started`
            return
        code = request["code"]
        del request
        # Untrusted code from here on, in a process that holds neither the nonce's channel
        # nor the test: whatever it patches or returns, the judge sees only plain data.
        guard["active"] = True
        program_globals, failure = {"__builtins__": builtins}, None
        try:
            exec(compile(code, "<program>", "exec"), program_globals)
        except BaseException as error:  # every way out of untrusted code is a failure
            failure = _describe(error)
        _calls.serve(program_globals, read_fd, write_fd, failure, _describe)
    finally:
        _flush_streams()
        os._exit(0)


def _reap(child, seconds=0.5):
    """The child's wait status, waiting at most `seconds` (None if it is still running)."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        pid, status = os.waitpid(child, os.WNOHANG)
        if pid:
            return status
        if time.monotonic() > deadline:
            return None
        time.sleep(0.001)


def _judge(request, channel):
    """Run the trusted test on the program's plain data; None if it passed, else the error."""
    try:
        namespace = _calls.judge_namespace(
            channel, dict(builtins.__dict__), request["context"], request["exports"]
        )
        if request["test"]:
            exec(compile(request["test"], "<test>", "exec"), namespace)
    except BaseException as error:
        return error
    return None


def _program_ended(child, error):
    """Why the program's process ended early: mirror a fatal signal, else name its exit."""
    status = _reap(child)
    if status is None:
        return error
    if os.WIFSIGNALED(status):
        os.kill(os.getpid(), os.WTERMSIG(status))  # the CPU limit reads as it did in-process
        return error
    if "ended before" in str(error):
        code = os.waitstatus_to_exitcode(status)
        return _calls.ProgramEnded(f"exited with status {code} before the checks completed")
    return error


def _run_untrusted(request, report_fd):
    """Lock down, fork the program's process, judge its answers here, report, and exit."""
    nonce = request.pop("nonce")
    write, hard_exit = os.write, os._exit
    _set_limits(request["limits"])
    seccomp = _install_seccomp()
    uid = request.get("uid")
    guarded = bool(request.get("guard", True))
    calls_read, calls_write = os.pipe()
    replies_read, replies_write = os.pipe()
    child = os.fork()
    if child == 0:
        nonce = None
        for fd in (report_fd, calls_write, replies_read):
            os.close(fd)
        _run_program(request, uid, seccomp, guarded, calls_read, replies_write)
    os.close(calls_read)
    os.close(replies_write)
    if uid is not None and os.geteuid() == 0:
        _drop_privileges(request.get("judge_uid", uid))
    _make_undumpable()
    channel = _calls.Channel(calls_write, replies_read)
    try:
        ready = channel.receive()
        if ready[0] != "ready" or len(ready) != 4 or any(type(x) is not int for x in ready[1:]):
            raise _calls.ProgramEnded("no `ready` message")
    except _calls.ProgramEnded:
        hard_exit(70 if _reap(child) is not None else 71)  # never started: no `started` line
    write(report_fd, f"started {ready[1]} {ready[2]} {ready[3]}\n".encode())
    try:  # noqa: SIM105 - keeps the harness's imports minimal
        _calls.write_message(calls_write, b"go")
    except OSError:
        pass  # the program's process is gone: the judge's first read says so
    error = _judge(request, channel)
    os.close(calls_write)  # the program's process sees the end of its calls and exits
    if isinstance(error, _calls.ProgramEnded):
        error = _program_ended(child, error)
    else:
        _reap(child)
    _flush_streams()
    if error is None:
        line = "passed " + nonce
    else:
        line = "failed " + _describe(error)[:2000].encode("utf-8", "replace").hex()
    write(report_fd, (line + "\n").encode())
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
