"""The signed-in operator as a front end holds it: one live holder of the current principal.

Step-up and unlock return a fresh :class:`~app.security.auth.Principal`; the holder is
replaced in place, so everything that asks it later gets the newest one without being
told. The GUI implements it with a Qt object (``views.session.CurrentOperator``); this
protocol lets :class:`~app.context.AppContext` carry it without importing Qt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from app.security.auth import Principal


class CurrentPrincipal(Protocol):
    """Calling it gives the current principal; :meth:`replace` swaps in a fresh one."""

    def __call__(self) -> Principal:
        """The principal to act as now."""
        ...

    def replace(self, principal: Principal) -> None:
        """Hold ``principal`` from now on (after step-up or unlock)."""
        ...
