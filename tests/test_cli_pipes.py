"""A closed stdout pipe (`privdesk … | head`) ends the command quietly, like other Unix tools."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ARGV = {
    "breach clock": ["breach", "clock", "--aware", "2026-05-02T14:20+02:00"],
    "dsar due": ["dsar", "due", "--regime", "uk-gdpr", "--received", "2026-01-31"],
    "--help": ["--help"],
}


@pytest.mark.parametrize("name", list(ARGV))
def test_a_reader_that_closed_the_pipe_gets_no_error_and_exit_141(name: str) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte: every write hits EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app", *ARGV[name]],
            stdout=write,
            stderr=subprocess.PIPE,
            env={**os.environ, "PRIVDESK_WORKSPACE": ""},
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)
    assert done.stderr.decode() == ""  # no "internal error (BrokenPipeError)", no traceback
    # 128 + SIGPIPE, as `yes | head` reports it (argparse's own --help printing already
    # swallows the error and ends 0, which is as quiet)
    assert done.returncode in ((0, 141) if name == "--help" else (141,))


def test_the_same_command_into_an_open_pipe_still_prints_everything() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", *ARGV["breach clock"]],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and "gdpr_art33_due" in done.stdout.decode()
