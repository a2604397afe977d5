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

# The firewall's cap of open connections per phone address is the app's own cap (waitress's), one
# constant: CONNECTIONS_PER_ADDRESS in boxlocale/config.py. Read from the code just installed in the
# venv, or, before there is one (--root, --dry-run), from the checkout.
CONNECTIONS_PER_ADDRESS=""
read_connections_per_address() {
  if [ "$LIVE" = 1 ] && [ -x "$PREFIX/venv/bin/python" ]; then
    CONNECTIONS_PER_ADDRESS=$("$PREFIX/venv/bin/python" -c \
      'from boxlocale.config import DEFAULTS; print(DEFAULTS["CONNECTIONS_PER_ADDRESS"])') || true
  elif [ -f "$REPO_DIR/boxlocale/config.py" ]; then
    CONNECTIONS_PER_ADDRESS=$(python3 - "$REPO_DIR/boxlocale/config.py" <<'PYTHON'
import ast, sys
tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())
for node in tree.body:
    if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["DEFAULTS"]:
        for key, value in zip(node.value.keys, node.value.values):
            if getattr(key, "value", None) == "CONNECTIONS_PER_ADDRESS":
                print(ast.literal_eval(value))
PYTHON
    ) || true
  fi
  [[ "$CONNECTIONS_PER_ADDRESS" =~ ^[1-9][0-9]*$ ]] \
    || die "cannot read CONNECTIONS_PER_ADDRESS (a number above 0) from boxlocale (the venv or $REPO_DIR/boxlocale/config.py)"
}

render() {  # fill in the @...@ of a template
  sed -e "s|@BOX_ADDRESS@|$BOX_ADDRESS|g" -e "s|@HOST_NAME@|$HOST_NAME|g" -e "s|@INTERFACE@|$INTERFACE|g" \
    -e "s|@CONNECTIONS_PER_ADDRESS@|$CONNECTIONS_PER_ADDRESS|g" "$1"
}

# --- system packages -------------------------------------------------------------------------
WANTED_PACKAGES=(python3-venv fake-hwclock nftables dnsmasq-base network-manager)
# Hotspot mode sets the wifi country with iw and unblocks the radio with rfkill.
[ "$ETHERNET" = 1 ] || WANTED_PACKAGES+=(iw rfkill)

missing_packages() {
  local package
  for package in "${WANTED_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || echo "$package"
  done
}

install_packages() {
  local missing
  missing=$(missing_packages)
  [ -n "$missing" ] || { echo "unchanged  packages: ${WANTED_PACKAGES[*]}"; return 0; }
  if [ -n "$WHEELHOUSE" ] && compgen -G "$WHEELHOUSE/debs/*.deb" >/dev/null; then
    # apt reads local packages as its _apt user (Trixie), who cannot enter a 0700 home folder:
    # it gets a readable copy.
    local debs="$WHEELHOUSE/debs"
    if [ "$LIVE" = 1 ]; then
      debs=$(mktemp -d /tmp/boxlocale-debs.XXXXXX)
      cp "$WHEELHOUSE"/debs/*.deb "$debs/"
      chmod 0755 "$debs" && chmod 0644 "$debs"/*.deb
    fi
    run apt-get install -y --no-install-recommends "$debs"/*.deb
    [ "$debs" = "$WHEELHOUSE/debs" ] || rm -rf "$debs"
  else
    # shellcheck disable=SC2086  # one package name a line
    run apt-get install -y --no-install-recommends $missing
  fi
  [ "$LIVE" = 1 ] || return 0
  missing=$(missing_packages)
  [ -z "$missing" ] || die "still missing after installing the packages: ${missing//$'\n'/ }" \
    "(a Pi without internet: put them in $WHEELHOUSE/debs, see the README)"
}

# Hotspot mode: check for the radio before changing anything, so a failed install leaves no wifi
# connection on disk beside the one that runs (iw and rfkill come with the packages, checked there).
check_hotspot() {
  [ "$ETHERNET" = 0 ] && [ "$LIVE" = 1 ] || return 0
  [ -d "/sys/class/net/$INTERFACE/wireless" ] || [ -e "/sys/class/net/$INTERFACE/phy80211" ] \
    || die "no wifi interface $INTERFACE here: nothing was changed (a router on the ethernet port: --ethernet)"
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
  # The second pip reinstalls boxlocale itself even when its version number did not change (pip
  # would otherwise say "already satisfied" and keep the old code).
  if [ -n "$WHEELHOUSE" ]; then
    run "$PREFIX/venv/bin/pip" install -q --no-index --find-links "$WHEELHOUSE" --upgrade boxlocale
    run "$PREFIX/venv/bin/pip" install -q --no-index --find-links "$WHEELHOUSE" --force-reinstall --no-deps boxlocale
  else
    run "$PREFIX/venv/bin/pip" install -q --upgrade "$REPO_DIR"
    run "$PREFIX/venv/bin/pip" install -q --force-reinstall --no-deps "$REPO_DIR"
  fi
  put "$PREFIX/installed-from.sha256" 0644 app < <(echo "$stamp")
}

# The app's own host_name setting (its links, redirects and prints) follows --host-name.
as_boxlocale() { (umask 0027 && runuser -u boxlocale -- "$PREFIX/venv/bin/boxlocale" --data-dir "$DATA_DIR" "$@"); }

install_host_name() {
  if [ "$LIVE" = 0 ]; then
    echo "would set  the box's host name setting to $HOST_NAME"
    return 0
  fi
  [ -d "$DATA_DIR" ] || run install -d -o boxlocale -g boxlocale -m 0750 "$DATA_DIR"
  if [ "$(as_boxlocale host-name)" = "$HOST_NAME" ]; then
    echo "unchanged  host name setting $HOST_NAME"
  else
    run as_boxlocale host-name "$HOST_NAME"
    note_change app
  fi
}

install_files() {
  local unit
  for unit in boxlocale.socket boxlocale.service boxlocale-backup.service boxlocale-backup.timer \
      boxlocale-boxnet@.service; do
    put "/etc/systemd/system/$unit" 0644 units < "$REPO_DIR/systemd/$unit"
  done
  put /etc/systemd/system/boxlocale-dns-redirect.service 0644 units < "$SCRIPT_DIR/boxlocale-dns-redirect.service"
  # A stick labelled BOXNET syncs the network of boxes by itself (its own unit, not the web service).
  put /etc/udev/rules.d/99-boxlocale-boxnet.rules 0644 units < "$SCRIPT_DIR/99-boxlocale-boxnet.rules"
  put "$PREFIX/bin/boxlocale-nightly-backup" 0755 < "$SCRIPT_DIR/nightly-backup.sh"
  put "$PREFIX/README.md" 0644 < "$SCRIPT_DIR/README.md"
  # put reads from a redirection, never from a pipe: on the right of a pipe it would run in a
  # subshell and what it notes as changed would be lost (nothing restarted).
  # The phones' network is never "local" for the console (in --ethernet mode it is the wired port).
  put /etc/boxlocale/boxlocale.env 0644 app < <(printf 'BOXLOCALE_LEASES_FILE=%s\nBOXLOCALE_PHONE_NETWORK=%s/24\n' \
    "$LEASES_FILE" "$BOX_ADDRESS")
  put /etc/boxlocale/dns-redirect.nft 0644 firewall < <(render "$SCRIPT_DIR/dns-redirect.nft")
  put /etc/NetworkManager/dnsmasq-shared.d/boxlocale.conf 0644 network < <(dnsmasq_file)
  put "/etc/NetworkManager/system-connections/$CONNECTION.nmconnection" 0600 network < <(connection_file)
  put /etc/systemd/journald.conf.d/boxlocale.conf 0644 journald < "$SCRIPT_DIR/journald-boxlocale.conf"
}

dnsmasq_file() {
  render "$SCRIPT_DIR/dnsmasq-boxlocale.conf"
  if [ -n "$SAMSUNG_ADDRESS" ]; then
    echo "# Some Samsung phones open the sign-in sheet only for a public-looking probe address."
    echo "address=/connectivitycheck.gstatic.com/connectivitycheck.android.com/clients3.google.com/$SAMSUNG_ADDRESS"
  fi
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
  # Trixie split fake-hwclock.service into a load at boot and a timer that saves the time.
  local clock_units=fake-hwclock.service
  [ ! -e /usr/lib/systemd/system/fake-hwclock-load.service ] \
    || clock_units="fake-hwclock-load.service fake-hwclock-save.timer"
  for unit in $clock_units boxlocale.socket boxlocale-backup.timer boxlocale-dns-redirect.service; do
    if [ "$unit" = fake-hwclock-load.service ]; then  # a oneshot that ran at boot: only enabled
      systemctl -q is-enabled "$unit" 2>/dev/null || run systemctl enable "$unit"
    elif ! systemctl -q is-enabled "$unit" 2>/dev/null || ! systemctl -q is-active "$unit" 2>/dev/null; then
      run systemctl enable --now "$unit"
    fi
  done
  systemctl -q is-enabled boxlocale.service 2>/dev/null || run systemctl enable boxlocale.service
  if changed journald; then run systemctl restart systemd-journald; fi
  if changed firewall; then run systemctl restart boxlocale-dns-redirect.service; fi
  if changed app || changed units; then run systemctl try-restart boxlocale.service; fi
  bring_up_network
}

# --- the network, put back as it was if the new connection does not come up ---------------------
# A connection NetworkManager refuses (no radio, a driver that cannot do access-point mode, a
# mistyped option) would leave the Pi with no network at all: an SSH session over that interface is
# lost, and the box is unreachable. So the files as they were are kept before they are written, and
# put back, with the connection that was up before, when `nmcli connection up` fails.
NETWORK_FILES=(/etc/NetworkManager/dnsmasq-shared.d/boxlocale.conf
  "/etc/NetworkManager/system-connections/$CONNECTION.nmconnection")
NETWORK_KEPT=""       # a folder with the files as they were (a file missing there was missing before)
PREVIOUS_CONNECTION=""  # the connection that was up on the interface before

keep_network_files() {
  [ "$LIVE" = 1 ] || return 0
  local path
  NETWORK_KEPT=$(mktemp -d "${TMPDIR:-/tmp}/boxlocale-network.XXXXXX")
  trap 'rm -rf "$NETWORK_KEPT"' EXIT
  for path in "${NETWORK_FILES[@]}"; do
    [ ! -e "$ROOT$path" ] || cp -p "$ROOT$path" "$NETWORK_KEPT/$(basename "$path")"
  done
  PREVIOUS_CONNECTION=$(nmcli -g GENERAL.CONNECTION device show "$INTERFACE" 2>/dev/null || true)
  [ "$PREVIOUS_CONNECTION" != "--" ] || PREVIOUS_CONNECTION=""
}

put_network_files_back() {
  local path kept
  for path in "${NETWORK_FILES[@]}"; do
    kept="$NETWORK_KEPT/$(basename "$path")"
    if [ -e "$kept" ]; then
      cp -p "$kept" "$ROOT$path.boxlocale-new" && mv -f "$ROOT$path.boxlocale-new" "$ROOT$path"
      echo "put back   $path"
    elif [ -e "$ROOT$path" ]; then
      rm -f "$ROOT$path"
      echo "removed    $path"
    fi
  done
  nmcli connection reload || true
  if [ -n "$PREVIOUS_CONNECTION" ]; then
    nmcli connection up id "$PREVIOUS_CONNECTION" || echo "install.sh: could not bring $PREVIOUS_CONNECTION up again" >&2
  fi
}

bring_up_network() {
  if changed network || ! nmcli -t -f NAME connection show --active 2>/dev/null | grep -qx "$CONNECTION"; then
    run nmcli connection reload
    if ! run nmcli connection up "$CONNECTION"; then
      [ "$LIVE" = 1 ] || return 0
      echo "install.sh: NetworkManager refused the connection $CONNECTION: putting the network back as it was" >&2
      put_network_files_back
      die "the network was not changed (see the NetworkManager message above; the rest of the install is in place)"
    fi
  fi
}

main() {
  echo "boxlocale install: $([ "$ETHERNET" = 1 ] && echo "ethernet port $INTERFACE" || echo "wifi \"$SSID\" on $INTERFACE"), http://$HOST_NAME/${ROOT:+ (into $ROOT)}$([ "$DRY_RUN" = 1 ] && echo " (dry run)")"
  check_hotspot
  if [ "$LIVE" = 1 ] || { [ -z "$ROOT" ] && [ "$DRY_RUN" = 1 ]; }; then
    install_packages
    install_user
    install_app
  else
    echo "skipped    packages, user and venv (--root: the running system is not touched)"
  fi
  read_connections_per_address
  keep_network_files
  install_files
  [ -n "$ROOT" ] || install_host_name
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
  [ -z "${CHANGED// /}" ] || echo "changed   $CHANGED"
}

# Sourced by the tests, which call its functions one by one; run, it installs.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main
fi
