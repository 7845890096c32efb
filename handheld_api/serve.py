"""``python -m handheld_api.serve [uvicorn options]``: a web node (uvicorn running ``create_app``).

The same options as ``uvicorn`` (they are passed to uvicorn's own command line), with two defaults:
the application is ``handheld_api.app:create_app --factory`` unless one is named, and the WebSocket
implementation is :class:`handheld_api.ws.fastws.FastWebSocketProtocol` (uvicorn's
``websockets-sansio`` with frames parsed in place and the ``floor.fastws`` extension the handheld
socket uses) unless ``--ws`` names another (``--ws fast`` names this one); and the HTTP implementation
is :class:`handheld_api.fasthttp.OneWriteHttpToolsProtocol` (httptools; each answer's head and body in
one write) unless ``--http`` names another (``--http fast`` names this one). The Procfile, the tests'
server processes and the benchmarks start nodes with it.
"""

from __future__ import annotations

import re
import sys

FAST = "handheld_api.ws.fastws:FastWebSocketProtocol"
FAST_HTTP = "handheld_api.fasthttp:OneWriteHttpToolsProtocol"  # httptools, head + body in one write
APP = "handheld_api.app:create_app"
_IMPORT_STRING = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")


def arguments(argv: list[str]) -> list[str]:
    """uvicorn's command line for ``argv`` (this module's defaults filled in)."""
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
    named = (arg for arg in args if arg not in (FAST, FAST_HTTP))
    if not any(_IMPORT_STRING.fullmatch(arg) for arg in named):  # no app named ("::" is a host)
        args = [APP, "--factory", *args]
    return args


def main(argv: list[str] | None = None) -> None:
    import uvicorn.main

    uvicorn.main.main(args=arguments(sys.argv[1:] if argv is None else argv), prog_name="python -m handheld_api.serve")


if __name__ == "__main__":
    main()
