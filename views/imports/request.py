"""What the operator chose to import, and the one service call that imports (or checks) it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.helpdesk import HelpdeskService
    from app.jobs import JobControl


@dataclass(frozen=True)
class ImportRequest:
    """What the operator chose; ``run`` is the single service call for both steps."""

    source: str  # zendesk | csv
    paths: tuple[Path, ...]
    kind: str = ""
    mapping: Path | None = None
    complete: bool = False  # the files hold the whole directory (else: merged, nobody removed)

    def run(self, service: HelpdeskService, control: JobControl, *, preview: bool) -> Any:
        if self.source == "zendesk":
            return service.import_zendesk(
                list(self.paths), control, preview=preview, complete=self.complete
            )
        return service.import_csv(
            self.kind,
            self.paths[0],
            self.mapping,
            control,
            preview=preview,
            complete=self.complete,
        )
