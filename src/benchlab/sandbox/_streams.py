"""Read a child's output pipes with caps and a deadline (standard library only).

Shared by the parent and by the in-sandbox fork server, which imports it by path; it stops
at the child's exit rather than at EOF, since a background process may hold the pipes open.
"""

import os
import selectors
import time

__all__ = ["collect"]


def collect(pid, sinks, deadline):
    """Fill `sinks` ({fd: [bytearray, cap, name]}) until `pid` exits or `deadline` passes.

    Returns (timed_out, overflow), where overflow names the first stream past its cap.
    """
    selector = selectors.DefaultSelector()
    for fd in sinks:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    pidfd = None
    try:
        pidfd = os.pidfd_open(pid)
        selector.register(pidfd, selectors.EVENT_READ)
    except (AttributeError, OSError):
        pidfd = None
    open_fds = set(sinks)
    exited = timed_out = False
    overflow = ""
    try:
        while open_fds and not overflow:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            wait = remaining if pidfd is not None else min(remaining, 0.02)
            events = selector.select(0 if exited else wait)
            if not events and exited:
                break
            for key, _ in events:
                if key.fd == pidfd:  # stays readable: unregistered, or no select would be empty
                    selector.unregister(pidfd)
                    exited = True
                    continue
                buffer, cap, name = sinks[key.fd]
                try:
                    chunk = os.read(key.fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(key.fd)
                    open_fds.discard(key.fd)
                    continue
                buffer += chunk
                if len(buffer) > cap:
                    del buffer[cap:]
                    overflow = f"output on {name} exceeded {cap} bytes"
            if pidfd is None and not exited:
                exited = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    finally:
        selector.close()
        if pidfd is not None:
            os.close(pidfd)
    return timed_out, overflow
