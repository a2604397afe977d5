#!/bin/sh
# boxlocale nightly backup (run by boxlocale-backup.service as the boxlocale user):
# one archive into $BOXLOCALE_DATA_DIR/backups, the newest $KEEP kept, and a copy onto the USB
# stick mounted at $BOXLOCALE_USB_DIR when one is there. Old archives go by their age on the disk,
# never the one just written (a clock that was once ahead gave old archives "future" names and
# times), and the copy is synced before it takes its name (a stick pulled out mid-copy, or a power
# cut, leaves no empty archive behind).
set -eu

data_dir=${BOXLOCALE_DATA_DIR:-/var/lib/boxlocale}
usb_dir=${BOXLOCALE_USB_DIR:-/media/boxlocale-usb}
keep=${KEEP:-7}
backups="$data_dir/backups"

# Keep the archive $2 and the newest $keep - 1 other archives of folder $1, delete the others.
prune() {
  # shellcheck disable=SC2012,SC2010  # archive names are ours: no newline in them
  ls -1t "$1" | grep -x 'boxlocale-backup-[0-9-]*\.tar\.gz' | grep -vxF -- "$2" | tail -n +"$keep" \
    | while read -r old; do
      rm -f -- "${1:?}/$old"
    done
}

mkdir -p "$backups"
written=$(boxlocale backup --data-dir "$data_dir" --to "$backups" --keep "$keep")
echo "$written"
newest=$(basename "${written#backup written: }")

if mountpoint -q "$usb_dir" 2>/dev/null; then
  copies="$usb_dir/boxlocale-sauvegardes"
  mkdir -p "$copies"
  rm -f -- "$copies"/*.part  # left by a stick pulled out mid-copy
  cp -- "$backups/$newest" "$copies/$newest.part"
  sync -- "$copies/$newest.part"
  mv -- "$copies/$newest.part" "$copies/$newest"
  sync -- "$copies"
  prune "$copies" "$newest"
  echo "backup copied to the USB stick: $newest"
else
  echo "no USB stick at $usb_dir: backup kept on the box only"
fi
