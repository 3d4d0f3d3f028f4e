"""Imported by the PDF pool's forkserver as a preload (see pdfbuild._pool), and only there: the
forkserver then ends with the build that started it, and its workers with it (see lifeline).

Ctrl-C reaches every process of the terminal's group: the build stops its pool itself, so the
server (still importing WeasyPrint, which would print a traceback) and its workers ignore it."""

from __future__ import annotations

import signal

from .lifeline import tie_forkserver

signal.signal(signal.SIGINT, signal.SIG_IGN)
tie_forkserver()
