"""Servers that tests start die with the test run, even when the run itself is killed.

A `finally:` or a fixture's teardown does not run when pytest is stopped by SIGKILL or a CI timeout, and a
gunicorn master started in its own session would go on serving, holding its port and its memory on the
machine that runs CI. Linux's parent-death signal closes that gap: the kernel signals the child when the
thread that started it ends. Start servers from the main thread (a fixture or a test body), not from a
short-lived helper thread, or they die with that thread.
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def dies_with_parent(sig: signal.Signals = signal.SIGTERM) -> Callable[[], None]:
    """A ``preexec_fn`` for ``subprocess.Popen``: the child receives ``sig`` when its parent ends.

    ``sig`` is the server's own quick-shutdown signal, so it stops its workers before it goes. Set after
    ``Popen``'s ``user=`` change (the kernel clears the setting when credentials change), and re-checked
    against the parent's pid in case the parent died between the fork and the call.
    """
    parent = os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)

    def arm() -> None:
        if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:
            os.kill(os.getpid(), sig)

    return arm
