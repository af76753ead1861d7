#!/bin/sh
# Language ablation (issue #7): the same config and epochs, trained with all languages and with each left out.
# Usage: sh training/ablation.sh EPOCHS OUTDIR ; then python -m training.ablation OUTDIR
set -e
EP=${1:-3}; OUT=${2:-/tmp/ablation}
mkdir -p "$OUT"
nice -n -15 python -m training.train --epochs "$EP" --out "$OUT/all" > "$OUT/all.log" 2>&1
for L in ar fa en; do
  nice -n -15 python -m training.train --epochs "$EP" --exclude-lang "$L" --out "$OUT/no_$L" > "$OUT/no_$L.log" 2>&1
done
