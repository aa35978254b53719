"""The GUI leak check itself: it names what a test leaves behind and nothing else."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from tests.gui.qt_leaks import QtLeakWatch


def test_leaked_widget_timer_and_thread_are_named_with_where_they_started(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = QtLeakWatch(qapp, monkeypatch)
    watch.start()
    window = QWidget()
    window.setWindowTitle("Forgotten")
    menu_of_window = QDialog(window)  # a window too, but it goes with its parent
    menu_of_window.show()
    timer = QTimer()
    timer.start(60_000)
    thread = QThread()
    thread.start()
    leaks = watch.finish()
    assert len(leaks) == 3, leaks
    assert any("QTimer started at tests/gui/test_qt_leaks.py:" in line for line in leaks)
    assert any("QThread started at tests/gui/test_qt_leaks.py:" in line for line in leaks)
    assert any("QWidget title='Forgotten'" in line for line in leaks)
    assert not timer.isActive() and thread.isFinished()  # cleaned up for the next test
    del window, menu_of_window


def test_closed_stopped_and_qtbot_owned_objects_are_not_leaks(
    qapp: QApplication, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = QtLeakWatch(qapp, monkeypatch)
    watch.start()
    owned = QDialog()
    qtbot.addWidget(owned)
    parent = QWidget()
    child_timer = QTimer(parent)
    edit = QLineEdit(parent)
    edit.textChanged.connect(child_timer.start)  # a signal's text is not an interval
    edit.setText("x")
    assert child_timer.isActive()
    parent.deleteLater()  # takes its running timer with it
    del parent, edit, child_timer
    stopped = QTimer()
    stopped.start(10)
    stopped.stop()
    owned.close()
    owned.deleteLater()
    assert watch.finish() == []
