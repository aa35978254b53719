"""app.jobs: progress, cancellation and the CLI text progress bar (no Qt involved)."""

from __future__ import annotations

import io
import signal
import threading
from collections.abc import Callable, Iterator

import pytest

from app.jobs import Cancelled, JobControl, run_with_text_progress


class FakeTty(io.StringIO):
    """A stream that says it is a terminal, so the bar is drawn into it."""

    def isatty(self) -> bool:
        return True


def counting_job(steps: int, message: str = "step") -> Callable[[JobControl], int]:
    def job(control: JobControl) -> int:
        for n in range(1, steps + 1):
            control.report(n, steps, message)
        return steps

    return job


def test_report_forwards_progress_to_the_callback() -> None:
    seen: list[tuple[int, int | None, str]] = []
    control = JobControl(lambda d, t, m: seen.append((d, t, m)))

    control.report(1, 3, "first")
    control.report(2)

    assert seen == [(1, 3, "first"), (2, None, "")]
    assert control.last_progress == (2, None, "")


def test_report_raises_cancelled_after_cancel_and_stops_forwarding() -> None:
    seen: list[int] = []
    control = JobControl(lambda d, t, m: seen.append(d))
    control.report(1, 10)

    control.cancel()

    assert control.cancelled
    with pytest.raises(Cancelled):
        control.report(2, 10)
    with pytest.raises(Cancelled):
        control.raise_if_cancelled()
    assert seen == [1]


def test_cancel_from_another_thread_stops_a_reporting_loop() -> None:
    control = JobControl()
    started = threading.Event()
    steps = 0

    def job() -> None:
        nonlocal steps
        while True:
            control.report(steps)
            steps += 1
            started.set()

    outcome: list[str] = []

    def run() -> None:
        try:
            job()
        except Cancelled:
            outcome.append("cancelled")

    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(5)
    control.cancel()
    worker.join(5)

    assert not worker.is_alive()
    assert outcome == ["cancelled"]


def test_text_progress_prints_nothing_on_a_non_tty_stream() -> None:
    stream = io.StringIO()

    result = run_with_text_progress(counting_job(50), stream=stream, label="import")

    assert result == 50
    assert stream.getvalue() == ""


def test_text_progress_draws_a_bar_ending_at_100_percent_on_a_tty() -> None:
    stream = FakeTty()

    result = run_with_text_progress(counting_job(200, "rows"), stream=stream, label="import")

    assert result == 200
    out = stream.getvalue()
    assert out.startswith("\rimport: [")
    assert out.endswith("\n")
    last_line = out.rstrip("\n").rsplit("\r", 1)[-1].rstrip()
    assert last_line == "import: [" + "#" * 30 + "] 100% rows"
    assert "\n" not in out.rstrip("\n")  # redrawn in place: one line on the terminal


def test_text_progress_on_success_finishes_the_bar_even_if_the_last_report_was_partial() -> None:
    stream = FakeTty()

    def job(control: JobControl) -> str:
        control.report(1, 4, "half-way")
        return "ok"

    assert run_with_text_progress(job, stream=stream) == "ok"
    assert stream.getvalue().rstrip().endswith("100% half-way")


def test_text_progress_lets_job_errors_through_and_ends_the_line() -> None:
    stream = FakeTty()

    def job(control: JobControl) -> None:
        control.report(1, 2, "working")
        raise ValueError("bad row")

    with pytest.raises(ValueError, match="bad row"):
        run_with_text_progress(job, stream=stream)
    assert stream.getvalue().endswith("\n")
    assert "100%" not in stream.getvalue()


@pytest.fixture
def default_sigint() -> Iterator[None]:
    """Python's own Ctrl-C handler, as in a terminal. A process started in the background
    by a non-interactive shell (`cmd &`) inherits SIGINT *ignored*; Python then keeps it
    ignored and there is no Ctrl-C to cancel with."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.usefixtures("default_sigint")
def test_ctrl_c_cancels_cooperatively_and_surfaces_as_cancelled() -> None:
    handler_before = signal.getsignal(signal.SIGINT)
    reached_after_signal = False
    cleaned_up = False

    def job(control: JobControl) -> None:
        nonlocal reached_after_signal, cleaned_up
        try:
            control.report(1, 10)
            signal.raise_signal(signal.SIGINT)  # the user presses Ctrl-C mid-job
            reached_after_signal = True  # not torn mid-step: the job decides where to stop
            # Python runs the handler at its next check between bytecodes, not at once:
            # the job stops at the first report after it (well before the end).
            for step in range(2, 10_000):
                control.report(step, 10_000)
        finally:
            cleaned_up = True

    with pytest.raises(Cancelled):
        run_with_text_progress(job, stream=io.StringIO())

    assert reached_after_signal
    assert cleaned_up
    assert signal.getsignal(signal.SIGINT) is handler_before


def test_keyboard_interrupt_inside_job_becomes_cancelled() -> None:
    controls: list[JobControl] = []

    def job(control: JobControl) -> None:
        controls.append(control)
        raise KeyboardInterrupt

    with pytest.raises(Cancelled) as info:
        run_with_text_progress(job, stream=io.StringIO())

    assert isinstance(info.value.__cause__, KeyboardInterrupt)
    assert controls[0].cancelled
