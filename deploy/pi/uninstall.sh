#!/bin/bash
# Undo deploy/pi/install.sh. Keeps the box's data (/var/lib/boxlocale) unless --purge is given.
set -euo pipefail

PURGE=0 DRY_RUN=0 ROOT="/"
while [ $# -gt 0 ]; do
  case "$1" in
    --purge) PURGE=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    --root) ROOT=${2:?}; shift 2 ;;
    -h|--help)
      echo "Usage: sudo deploy/pi/uninstall.sh [--purge] [--dry-run] [--root DIR]"
      echo "  --purge   also delete the data (/var/lib/boxlocale: database, photos, backups) and the user"
      exit 0 ;;
    *) echo "uninstall.sh: unknown option: $1" >&2; exit 2 ;;
  esac
done
ROOT=${ROOT%/}
LIVE=0
if [ -z "$ROOT" ] && [ "$DRY_RUN" = 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "uninstall.sh: run it as root" >&2; exit 2; }
  LIVE=1
fi

run() {
  if [ "$LIVE" = 1 ]; then echo "run        $*"; "$@" || true; else echo "would run  $*"; fi
}

remove() {
  local path
  for path in "$@"; do
    [ -e "$ROOT$path" ] || continue
    if [ "$DRY_RUN" = 1 ]; then echo "would remove $path"; else rm -rf -- "$ROOT$path"; echo "removed    $path"; fi
  done
}

# The ethernet port the box served (--ethernet): given back to NetworkManager's ordinary DHCP below,
# so an SSH session over that cable finds the Pi again.
CONNECTION_FILE=/etc/NetworkManager/system-connections/boxlocale.nmconnection
ETHERNET_PORT=""
if grep -qx "type=ethernet" "$ROOT$CONNECTION_FILE" 2>/dev/null; then
  ETHERNET_PORT=$(sed -n 's/^interface-name=//p' "$ROOT$CONNECTION_FILE")
fi

UNITS="boxlocale.socket boxlocale.service boxlocale-backup.timer boxlocale-backup.service boxlocale-dns-redirect.service"
if [ -z "$ROOT" ]; then
  # shellcheck disable=SC2086  # a list of unit names
  run systemctl disable --now $UNITS
  run nmcli connection down boxlocale
  run systemctl stop 'boxlocale-boxnet@*.service'  # a USB stick's sync, if one runs now
fi
for unit in $UNITS boxlocale-boxnet@.service; do remove "/etc/systemd/system/$unit"; done
remove /etc/udev/rules.d/99-boxlocale-boxnet.rules
remove "$CONNECTION_FILE" \
  /etc/NetworkManager/dnsmasq-shared.d/boxlocale.conf \
  /etc/systemd/journald.conf.d/boxlocale.conf \
  /etc/boxlocale /opt/boxlocale
if [ -z "$ROOT" ]; then
  run systemctl daemon-reload
  run udevadm control --reload
  run nmcli connection reload
  run systemctl restart systemd-journald
  if [ -n "$ETHERNET_PORT" ]; then
    # NetworkManager makes no new profile for a port it already served: ask for one (DHCP, as before
    # the install). --wait 0: the cable may lead nowhere right now.
    run nmcli --wait 0 device connect "$ETHERNET_PORT"
  fi
fi
if [ "$PURGE" = 1 ]; then
  remove /var/lib/boxlocale
  if [ -z "$ROOT" ] && id boxlocale >/dev/null 2>&1; then run userdel boxlocale; fi
else
  [ ! -e "$ROOT/var/lib/boxlocale" ] || echo "kept       /var/lib/boxlocale (the box's data; --purge deletes it)"
fi
