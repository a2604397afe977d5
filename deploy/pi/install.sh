#!/bin/bash
# Make a Raspberry Pi (Raspberry Pi OS Lite 64-bit, Bookworm or Trixie) a boxlocale box:
# the boxlocale user, the app in /opt/boxlocale/venv, the systemd units, the wifi hotspot (or the
# ethernet port for a wifi router in access-point mode), DNS that answers every name with the box,
# the captive portal. Idempotent: a second run changes nothing. See deploy/pi/README.md.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: sudo deploy/pi/install.sh --country CC [options]

  --country CC          wifi country, e.g. FR (required: without it the radio stays blocked)
  --ssid NAME           wifi name (default: BoxLocale)
  --channel N           wifi channel, 1 to 13 (default: 6)
  --password PASS       WPA2 with this passphrase, 8 to 63 characters (default: an open wifi)
  --host-name NAME      the box's name in the browser (default: box.lan)
  --ethernet            serve phones on the ethernet port, through a wifi router in access-point mode
                        plugged into it (for events: 150 phones instead of about 10)
  --interface IF        the network interface (default: wlan0, or eth0 with --ethernet)
  --wheelhouse DIR      install boxlocale from this folder of wheels (a Pi without internet)
  --samsung-address IP  also answer the phones' probe names with this public-looking address, put on
                        the interface (some Samsung phones only open the sign-in sheet then)
  --dry-run             print what would change, change nothing
  --root DIR            write the files under DIR instead of / (tests, SD card images); the running
                        system is not touched (no user, no packages, no services)
  -h, --help            this help
EOF
}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)

COUNTRY="" SSID="BoxLocale" CHANNEL=6 PASSWORD="" HOST_NAME="box.lan" ETHERNET=0 INTERFACE=""
WHEELHOUSE="" SAMSUNG_ADDRESS="" DRY_RUN=0 ROOT="/"
BOX_ADDRESS=10.42.0.1
PREFIX=/opt/boxlocale
DATA_DIR=/var/lib/boxlocale
CONNECTION=boxlocale

die() { echo "install.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --country) COUNTRY=${2:?}; shift 2 ;;
    --ssid) SSID=${2:?}; shift 2 ;;
    --channel) CHANNEL=${2:?}; shift 2 ;;
    --password) PASSWORD=${2:?}; shift 2 ;;
    --host-name) HOST_NAME=${2:?}; shift 2 ;;
    --ethernet) ETHERNET=1; shift ;;
    --interface) INTERFACE=${2:?}; shift 2 ;;
    --wheelhouse) WHEELHOUSE=$(cd "${2:?}" && pwd); shift 2 ;;
    --samsung-address) SAMSUNG_ADDRESS=${2:?}; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --root) ROOT=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

[ -n "$COUNTRY" ] || die "--country is required (e.g. --country FR): without it the wifi stays blocked"
[[ "$COUNTRY" =~ ^[A-Z]{2}$ ]] || die "--country takes two capital letters, e.g. FR"
[[ "$CHANNEL" =~ ^([1-9]|1[0-3])$ ]] || die "--channel takes 1 to 13"
[[ "$HOST_NAME" =~ ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$ ]] || die "--host-name: letters, digits, dots and dashes"
if [ -n "$PASSWORD" ] && { [ ${#PASSWORD} -lt 8 ] || [ ${#PASSWORD} -gt 63 ]; }; then
  die "--password takes 8 to 63 characters"
fi
if [ -n "$SAMSUNG_ADDRESS" ] && ! [[ "$SAMSUNG_ADDRESS" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  die "--samsung-address takes an IPv4 address"
fi
[ -n "$INTERFACE" ] || { [ "$ETHERNET" = 1 ] && INTERFACE=eth0 || INTERFACE=wlan0; }
ROOT=${ROOT%/}
LIVE=0  # 1: this run changes the running system (not a dry run, not a folder)
if [ -z "$ROOT" ]; then
  [ "$DRY_RUN" = 1 ] || [ "$(id -u)" = 0 ] || die "run it as root: sudo $0 ..."
  [ "$DRY_RUN" = 1 ] || LIVE=1
fi
LEASES_FILE=/var/lib/NetworkManager/dnsmasq-$INTERFACE.leases

CHANGED=""  # what this run changed, to restart only what needs it
ANY_CHANGE=0
note_change() { ANY_CHANGE=1; CHANGED="$CHANGED $1"; }
changed() { case " $CHANGED " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# Put CONTENT (from stdin) at PATH with MODE, unless it is there already.
put() {
  local path=$1 mode=$2 tag=${3:-} target content
  target="$ROOT$path"
  content=$(cat; echo x)
  content=${content%x}
  if [ -f "$target" ] && [ "$(cat "$target"; echo x)" = "${content}x" ] \
     && [ "$(stat -c %a "$target")" = "${mode#0}" ]; then
    echo "unchanged  $path"
    return 0
  fi
  local what="new"
  [ -e "$target" ] && what="changed"
  if [ "$DRY_RUN" = 1 ]; then
    echo "would write $path ($what, mode $mode)"
  else
    mkdir -p "$(dirname "$target")"
    printf '%s' "$content" > "$target.boxlocale-new"
    chmod "$mode" "$target.boxlocale-new"
    mv -f "$target.boxlocale-new" "$target"
    echo "wrote      $path ($what)"
  fi
  note_change "$tag"
}

# Run a command that changes the running system (printed only on a dry run or with --root).
run() {
  ANY_CHANGE=1
  if [ "$LIVE" = 1 ]; then
    echo "run        $*"
    "$@"
  else
    echo "would run  $*"
  fi
}

render() {  # fill in the @...@ of a template
  sed -e "s|@BOX_ADDRESS@|$BOX_ADDRESS|g" -e "s|@HOST_NAME@|$HOST_NAME|g" -e "s|@INTERFACE@|$INTERFACE|g" "$1"
}

# --- system packages -------------------------------------------------------------------------
install_packages() {
  local wanted=(python3-venv fake-hwclock nftables dnsmasq-base network-manager) missing=()
  for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -gt 0 ] || { echo "unchanged  packages: ${wanted[*]}"; return 0; }
  if [ -n "$WHEELHOUSE" ] && compgen -G "$WHEELHOUSE/debs/*.deb" >/dev/null; then
    run apt-get install -y --no-install-recommends "$WHEELHOUSE"/debs/*.deb
  else
    run apt-get install -y --no-install-recommends "${missing[@]}"
  fi
}

# --- the boxlocale user and the app --------------------------------------------------------------
install_user() {
  if id boxlocale >/dev/null 2>&1; then
    echo "unchanged  user boxlocale"
  else
    run useradd --system --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin boxlocale
  fi
}

source_stamp() {  # what would be installed: the wheels, or the checkout's files
  if [ -n "$WHEELHOUSE" ]; then
    (cd "$WHEELHOUSE" && sha256sum ./*.whl) | sha256sum | cut -d' ' -f1
  else
    (cd "$REPO_DIR" && find boxlocale static pyproject.toml README.md -type f ! -name '*.pyc' -print0 \
      | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1
  fi
}

install_app() {
  local stamp stamp_file="$ROOT$PREFIX/installed-from.sha256"
  stamp=$(source_stamp)
  if [ -x "$ROOT$PREFIX/venv/bin/boxlocale" ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp" ]; then
    echo "unchanged  $PREFIX/venv (boxlocale)"
    return 0
  fi
  [ -x "$ROOT$PREFIX/venv/bin/python" ] || run python3 -m venv "$PREFIX/venv"
  if [ -n "$WHEELHOUSE" ]; then
    run "$PREFIX/venv/bin/pip" install --no-index --find-links "$WHEELHOUSE" --upgrade boxlocale
  else
    run "$PREFIX/venv/bin/pip" install --upgrade "$REPO_DIR"
  fi
  echo "$stamp" | put "$PREFIX/installed-from.sha256" 0644 app
}

install_files() {
  local unit
  for unit in boxlocale.socket boxlocale.service boxlocale-backup.service boxlocale-backup.timer; do
    put "/etc/systemd/system/$unit" 0644 units < "$REPO_DIR/systemd/$unit"
  done
  put /etc/systemd/system/boxlocale-dns-redirect.service 0644 units < "$SCRIPT_DIR/boxlocale-dns-redirect.service"
  put "$PREFIX/bin/boxlocale-nightly-backup" 0755 < "$SCRIPT_DIR/nightly-backup.sh"
  put "$PREFIX/README.md" 0644 < "$SCRIPT_DIR/README.md"
  # The phones' network is never "local" for the console (in --ethernet mode it is the wired port).
  printf 'BOXLOCALE_LEASES_FILE=%s\nBOXLOCALE_PHONE_NETWORK=%s/24\n' "$LEASES_FILE" "$BOX_ADDRESS" \
    | put /etc/boxlocale/boxlocale.env 0644 app
  render "$SCRIPT_DIR/dns-redirect.nft" | put /etc/boxlocale/dns-redirect.nft 0644 firewall
  { render "$SCRIPT_DIR/dnsmasq-boxlocale.conf"
    if [ -n "$SAMSUNG_ADDRESS" ]; then
      echo "# Some Samsung phones open the sign-in sheet only for a public-looking probe address."
      echo "address=/connectivitycheck.gstatic.com/connectivitycheck.android.com/clients3.google.com/$SAMSUNG_ADDRESS"
    fi
  } | put /etc/NetworkManager/dnsmasq-shared.d/boxlocale.conf 0644 network
  connection_file | put "/etc/NetworkManager/system-connections/$CONNECTION.nmconnection" 0600 network
  put /etc/systemd/journald.conf.d/boxlocale.conf 0644 journald < "$SCRIPT_DIR/journald-boxlocale.conf"
}

# The NetworkManager connection: a wifi access point, or the ethernet port, in "shared" mode
# (NetworkManager runs dnsmasq for DHCP and DNS, reading the drop-in above).
connection_file() {
  printf '[connection]\nid=%s\ntype=%s\ninterface-name=%s\nautoconnect=true\nautoconnect-priority=100\n\n' \
    "$CONNECTION" "$([ "$ETHERNET" = 1 ] && echo ethernet || echo wifi)" "$INTERFACE"
  if [ "$ETHERNET" = 0 ]; then
    printf '[wifi]\nmode=ap\nssid=%s\nband=bg\nchannel=%s\n\n' "$SSID" "$CHANNEL"
    if [ -n "$PASSWORD" ]; then
      printf '[wifi-security]\nkey-mgmt=wpa-psk\nproto=rsn\npairwise=ccmp\ngroup=ccmp\npsk=%s\n\n' "$PASSWORD"
    fi
  fi
  printf '[ipv4]\nmethod=shared\naddress1=%s/24\n' "$BOX_ADDRESS"
  [ -z "$SAMSUNG_ADDRESS" ] || printf 'address2=%s/32\n' "$SAMSUNG_ADDRESS"
  printf '\n[ipv6]\nmethod=disabled\n'
}

set_wifi_country() {
  [ "$ETHERNET" = 0 ] || return 0
  if command -v raspi-config >/dev/null; then
    run raspi-config nonint do_wifi_country "$COUNTRY"
  else
    run iw reg set "$COUNTRY"
  fi
  run rfkill unblock wifi
}

start_everything() {
  local unit
  if changed units; then run systemctl daemon-reload; fi
  for unit in fake-hwclock.service boxlocale.socket boxlocale-backup.timer boxlocale-dns-redirect.service; do
    if ! systemctl -q is-enabled "$unit" 2>/dev/null || ! systemctl -q is-active "$unit" 2>/dev/null; then
      run systemctl enable --now "$unit"
    fi
  done
  systemctl -q is-enabled boxlocale.service 2>/dev/null || run systemctl enable boxlocale.service
  if changed journald; then run systemctl restart systemd-journald; fi
  if changed firewall; then run systemctl restart boxlocale-dns-redirect.service; fi
  if changed app || changed units; then run systemctl try-restart boxlocale.service; fi
  if changed network || ! nmcli -t -f NAME connection show --active 2>/dev/null | grep -qx "$CONNECTION"; then
    run nmcli connection reload
    run nmcli connection up "$CONNECTION"
  fi
}

echo "boxlocale install: $([ "$ETHERNET" = 1 ] && echo "ethernet port $INTERFACE" || echo "wifi \"$SSID\" on $INTERFACE"), http://$HOST_NAME/${ROOT:+ (into $ROOT)}$([ "$DRY_RUN" = 1 ] && echo " (dry run)")"
if [ "$LIVE" = 1 ] || { [ -z "$ROOT" ] && [ "$DRY_RUN" = 1 ]; }; then
  install_packages
  install_user
  install_app
else
  echo "skipped    packages, user and venv (--root: the running system is not touched)"
fi
install_files
if [ -z "$ROOT" ]; then
  set_wifi_country
  start_everything
fi
# The box's own data dir is made by systemd (StateDirectory=) when the service first starts.

if [ "$LIVE" = 1 ]; then
  if [ "$ETHERNET" = 1 ]; then
    echo "Done. Plug a wifi router in access-point mode (its DHCP off) into $INTERFACE."
  else
    echo "Done. Wifi: \"$SSID\" ($([ -n "$PASSWORD" ] && echo "WPA2, password: $PASSWORD" || echo open))."
  fi
  echo "The box: http://$HOST_NAME/ (or http://$BOX_ADDRESS/). Volunteers: sudo -u boxlocale $PREFIX/venv/bin/boxlocale --data-dir $DATA_DIR admin add NAME"
elif [ "$ANY_CHANGE" = 0 ]; then
  echo "nothing to change"
fi
