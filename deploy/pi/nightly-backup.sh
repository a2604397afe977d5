#!/bin/sh
# boxlocale nightly backup (run by boxlocale-backup.service as the boxlocale user):
# one archive into $BOXLOCALE_DATA_DIR/backups, the newest $KEEP kept, and a copy onto the USB
# stick mounted at $BOXLOCALE_USB_DIR when one is there.
set -eu

data_dir=${BOXLOCALE_DATA_DIR:-/var/lib/boxlocale}
usb_dir=${BOXLOCALE_USB_DIR:-/media/boxlocale-usb}
keep=${KEEP:-7}
backups="$data_dir/backups"

# Keep the newest $keep files of a folder, delete the others.
prune() {
  # shellcheck disable=SC2012  # archive names are ours: no newline in them
  ls -1t "$1" | tail -n +"$((keep + 1))" | while read -r old; do
    rm -f -- "$1/$old"
  done
}

mkdir -p "$backups"
boxlocale backup --data-dir "$data_dir" --to "$backups"
prune "$backups"

if mountpoint -q "$usb_dir" 2>/dev/null; then
  # shellcheck disable=SC2012
  newest=$(ls -1t "$backups" | head -n 1)
  mkdir -p "$usb_dir/boxlocale-sauvegardes"
  cp -- "$backups/$newest" "$usb_dir/boxlocale-sauvegardes/$newest.part"
  mv -- "$usb_dir/boxlocale-sauvegardes/$newest.part" "$usb_dir/boxlocale-sauvegardes/$newest"
  sync
  prune "$usb_dir/boxlocale-sauvegardes"
  echo "backup copied to the USB stick: $newest"
else
  echo "no USB stick at $usb_dir: backup kept on the box only"
fi
