"""``python -m handheld_api.serve [uvicorn options]``: a web node (uvicorn running ``create_app``).

The same options as ``uvicorn`` (they are passed to uvicorn's own command line), with two defaults:
the application is ``handheld_api.app:create_app --factory`` unless one is named, and the WebSocket
implementation is :class:`handheld_api.ws.fastws.FastWebSocketProtocol` (uvicorn's
``websockets-sansio`` with frames parsed in place and the ``floor.fastws`` extension the handheld
socket uses) unless ``--ws`` names another (``--ws fast`` names this one); and the HTTP implementation
is :class:`handheld_api.fasthttp.OneWriteHttpToolsProtocol` (httptools; each answer's head and body in
one write) unless ``--http`` names another (``--http fast`` names this one); and an idle keep-alive
connection is kept ``FLOOR_HTTP_KEEPALIVE_S`` seconds (default 75) unless ``--timeout-keep-alive`` or
uvicorn's own ``UVICORN_TIMEOUT_KEEP_ALIVE`` says otherwise. The Procfile, the tests' server processes
and the benchmarks start nodes with it.

Why 75 s and not uvicorn's 5 s: a load balancer (nginx's upstream keep-alive, a cloud balancer, a
webhook gateway) re-uses an idle connection for up to 60 s. When the node closes first, a request the
balancer writes onto the closing connection is lost (a reset, a 502 at the balancer, a platform's
delivery unanswered). The node must close idle connections *after* whatever sits in front of it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping

FAST = "handheld_api.ws.fastws:FastWebSocketProtocol"
FAST_HTTP = "handheld_api.fasthttp:OneWriteHttpToolsProtocol"  # httptools, head + body in one write
APP = "handheld_api.app:create_app"
KEEPALIVE_S = "75"  # above nginx's and the common cloud balancers' 60 s idle timeout (module doc)
_IMPORT_STRING = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")


def arguments(argv: list[str], env: dict[str, str] | None = None) -> list[str]:
    """uvicorn's command line for ``argv`` (this module's defaults filled in; ``env``: the environment)."""
    environ: Mapping[str, str] = os.environ if env is None else env
    args = list(argv)
    for n, arg in enumerate(args):
        if arg == "--ws" and n + 1 < len(args) and args[n + 1] == "fast":
            args[n + 1] = FAST
        elif arg == "--ws=fast":
            args[n] = f"--ws={FAST}"
        elif arg == "--http" and n + 1 < len(args) and args[n + 1] == "fast":
            args[n + 1] = FAST_HTTP
        elif arg == "--http=fast":
            args[n] = f"--http={FAST_HTTP}"
    if not any(arg == "--ws" or arg.startswith("--ws=") for arg in args):
        args += ["--ws", FAST]
    if not any(arg == "--http" or arg.startswith("--http=") for arg in args):
        args += ["--http", FAST_HTTP]
    if (not any(arg == "--timeout-keep-alive" or arg.startswith("--timeout-keep-alive=") for arg in args)
            and "UVICORN_TIMEOUT_KEEP_ALIVE" not in environ):
        seconds = environ.get("FLOOR_HTTP_KEEPALIVE_S", KEEPALIVE_S)
        if not seconds.isdigit() or int(seconds) < 1:
            raise SystemExit(f"FLOOR_HTTP_KEEPALIVE_S must be a whole number of seconds >= 1, not {seconds!r}")
        args += ["--timeout-keep-alive", seconds]
    named = (arg for arg in args if arg not in (FAST, FAST_HTTP))
    if not any(_IMPORT_STRING.fullmatch(arg) for arg in named):  # no app named ("::" is a host)
        args = [APP, "--factory", *args]
    return args


def main(argv: list[str] | None = None) -> None:
    import uvicorn.main

    uvicorn.main.main(args=arguments(sys.argv[1:] if argv is None else argv), prog_name="python -m handheld_api.serve")


if __name__ == "__main__":
    main()
