#!/usr/bin/env bash
# Install the frozen build (dist/privdesk/, from `make package`) for one user or system-wide,
# with the desktop entry, AppStream metadata and hicolor icons under the app id.
#
#   packaging/linux/install.sh                 # ~/.local
#   sudo packaging/linux/install.sh /usr/local # everyone
#   packaging/linux/install.sh --uninstall [PREFIX]
set -euo pipefail
cd "$(dirname "$0")/../.."
APP_ID=org.privdesk.PrivDesk
uninstall=0
if [[ ${1:-} == --uninstall ]]; then uninstall=1; shift; fi
PREFIX=${1:-$HOME/.local}
SHARE=$PREFIX/share
SIZES="16 24 32 48 64 128 256 512"

if ((uninstall)); then
    rm -rf "$PREFIX/lib/privdesk" "$PREFIX/bin/privdesk" \
        "$SHARE/applications/$APP_ID.desktop" "$SHARE/metainfo/$APP_ID.metainfo.xml" \
        "$SHARE/icons/hicolor/scalable/apps/$APP_ID.svg"
    for n in $SIZES; do rm -f "$SHARE/icons/hicolor/${n}x${n}/apps/$APP_ID.png"; done
    echo "PrivDesk removed from $PREFIX (workspaces are untouched)"
    exit 0
fi

[[ -x dist/privdesk/privdesk ]] || { echo "run \`make package\` first" >&2; exit 2; }
mkdir -p "$PREFIX/lib" "$PREFIX/bin"
rm -rf "$PREFIX/lib/privdesk"
cp -a dist/privdesk "$PREFIX/lib/privdesk"
ln -sfn "$PREFIX/lib/privdesk/privdesk" "$PREFIX/bin/privdesk"
install -Dm644 "packaging/linux/$APP_ID.desktop" "$SHARE/applications/$APP_ID.desktop"
install -Dm644 "packaging/linux/$APP_ID.metainfo.xml" "$SHARE/metainfo/$APP_ID.metainfo.xml"
install -Dm644 resources/icons/privdesk.svg "$SHARE/icons/hicolor/scalable/apps/$APP_ID.svg"
for n in $SIZES; do
    install -Dm644 "resources/icons/privdesk-$n.png" "$SHARE/icons/hicolor/${n}x${n}/apps/$APP_ID.png"
done
command -v update-desktop-database >/dev/null && update-desktop-database -q "$SHARE/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -qtf "$SHARE/icons/hicolor" || true
echo "PrivDesk installed in $PREFIX (run: $PREFIX/bin/privdesk)"
