"""Entry point of the frozen `privdesk` binary (PyInstaller runs this file as __main__)."""

from __future__ import annotations


def main() -> int:
    from app.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    raise SystemExit(main())
