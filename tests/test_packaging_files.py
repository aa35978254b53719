"""Packaging files: desktop entry, AppStream metadata, icons, the spec and the smoke script."""

from __future__ import annotations

import configparser
import shutil
import struct
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path

import pytest

from app import APP_ID, APP_NAME, __version__

ROOT = Path(__file__).resolve().parent.parent
LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(DESKTOP.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def test_desktop_entry_launches_privdesk_under_the_app_id() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == APP_NAME
    assert entry["Exec"].split()[0] == "privdesk"  # the console script and the frozen binary
    assert entry["Icon"] == APP_ID  # the hicolor name install.sh uses
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="desktop-file-utils")
def test_desktop_entry_validates() -> None:
    out = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_metainfo_names_the_app_its_licence_and_this_release() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("name") == APP_NAME
    assert root.findtext("project_license") == "GPL-3.0-or-later"
    launchable = root.find("launchable")
    assert launchable is not None and launchable.text == DESKTOP.name
    releases = [r.get("version") for r in root.iter("release")]
    assert releases[0] == __version__  # newest first; bump it with app.__version__
    assert root.findtext("provides/binary") == "privdesk"


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="appstream not installed")
def test_metainfo_validates() -> None:
    out = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_icons_ship_as_package_resources() -> None:
    icons = files("resources.icons")
    svg = ET.fromstring((icons / "privdesk.svg").read_bytes())
    assert svg.tag.endswith("svg") and svg.get("viewBox") == "0 0 256 256"
    for size in PNG_SIZES:
        data = (icons / f"privdesk-{size}.png").read_bytes()
        assert data[:8] == PNG_MAGIC
        width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
        assert (width, height) == (size, size)


def test_ico_and_icns_hold_png_images_of_the_right_sizes() -> None:
    icons = files("resources.icons")
    ico = (icons / "privdesk.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 5
    sizes = set()
    for i in range(count):
        w, _h, _c, _r, _planes, _bpp, length, offset = struct.unpack(
            "<BBBBHHII", ico[6 + 16 * i : 22 + 16 * i]
        )
        assert ico[offset : offset + 8] == PNG_MAGIC and offset + length <= len(ico)
        sizes.add(w or 256)
    assert {16, 32, 48, 256} <= sizes

    icns = (icons / "privdesk.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    pos, types = 8, set()
    while pos < len(icns):
        kind, length = icns[pos : pos + 4], struct.unpack(">I", icns[pos + 4 : pos + 8])[0]
        assert icns[pos + 8 : pos + 16] == PNG_MAGIC
        types.add(kind)
        pos += length
    assert pos == len(icns)
    assert {b"ic07", b"ic08", b"ic09", b"ic10"} & types  # 128/256/512 for Finder


def test_spec_collects_what_is_loaded_by_name() -> None:
    spec = (ROOT / "packaging" / "privdesk.spec").read_text(encoding="utf-8")
    for needed in (
        'collect_submodules("keyring.backends")',
        'copy_metadata("keyring")',
        'collect_submodules("sqlcipher3")',
        "models.migrations",
        "sqlalchemy.dialects.sqlite.pysqlcipher",
        "backend_qtagg",
        "app.__version__",
        "app.APP_ID",
    ):
        assert needed in spec, needed


def test_spec_entry_script_is_the_console_scripts_entry_point() -> None:
    # The frozen binary and `pip install`'s `privdesk` must start the same function.
    spec = (ROOT / "packaging" / "privdesk.spec").read_text(encoding="utf-8")
    assert 'ROOT / "views" / "__main__.py"' in spec
    entry = (ROOT / "views" / "__main__.py").read_text(encoding="utf-8")
    assert "from views.launch import main" in entry
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["scripts"] == {"privdesk": "views.launch:main"}


def test_every_migration_is_a_resource_of_the_models_package() -> None:
    # The spec ships models/migrations as data because Alembic reads them from files.
    versions = files("models") / "migrations" / "versions"
    names = {p.name for p in versions.iterdir() if p.name.endswith(".py")}
    assert "0001_workspace.py" in names
    assert (files("models") / "migrations" / "env.py").is_file()


def test_smoke_script_is_executable_shell() -> None:
    script = ROOT / "packaging" / "smoke.sh"
    assert script.stat().st_mode & 0o111
    out = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
