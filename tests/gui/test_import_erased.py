"""The import dialog says how many records of erased subjects it skipped (issue 14).

Dana Customer (user 2001 of the Zendesk fixture) is erased through the DSAR service; the
operator then re-imports the export from the menu (AUD-8: counts only, no identifiers).
"""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.conftest import SignedIn
from tests.dsar_helpers import make_desk
from tests.helpdesk_helpers import ZENDESK
from tests.test_erasure_tombstones import erase_dana
from views.imports.dialog import Step
from views.main_window import MainWindow

SKIPPED = (
    "9 records of erased subjects skipped (users 1, identities 3, tickets 2, ticket comments 3)."
)


def test_reimport_after_erasure_names_the_skipped_records(
    qtbot: QtBot, window: MainWindow, admin: SignedIn
) -> None:
    erase_dana(make_desk(admin))
    window.show()
    dialog = window.import_helpdesk()
    dialog.zendesk_path.setText(str(ZENDESK / "ndjson"))
    dialog.next_button.click()  # "Check files"
    assert dialog.step == Step.PREVIEW, dialog.preview_banner.text()
    assert dialog.preview_text.text().endswith(SKIPPED)
    dialog.next_button.click()  # "Import"
    assert dialog.step == Step.DONE
    assert dialog.done_text.text().startswith("Nothing changed")
    assert dialog.done_text.text().endswith(SKIPPED)
    dialog.next_button.click()  # "Done"
    assert not dialog.isVisible()
