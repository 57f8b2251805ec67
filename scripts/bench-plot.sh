#!/usr/bin/env bash
# Turn `esploader-bench --csv` output into a PNG for docs/performance.md.
#
#   scripts/bench-plot.sh bench.csv docs/performance.png [noplan.csv]
#
# noplan.csv (optional): `esploader-bench --csv --no-plan`; its stub + compressed efficiency is
# drawn too (dotted), to show what the stub schedule (64 KB transfers, tapered blocks) changes.
# Left panel: efficiency (limit / measured write time) per baud rate for the four modes, with
# the 0.95 goal. Right panel: measured write time next to the limit, per mode and baud.
# Needs gnuplot (Debian package: gnuplot-nox).
set -euo pipefail

if [ $# -ne 2 ] && [ $# -ne 3 ]; then
    echo "usage: $0 BENCH.csv OUT.png [NOPLAN.csv]" >&2
    exit 2
fi
csv=$1
out=$2
noplan=${3:-}
command -v gnuplot >/dev/null || { echo "$0: gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The CSV holds the main table, a blank line, then the reflash table; split the main table into
# one whitespace-separated file per loader/mode: baud efficiency write_s limit_s.
awk -F, -v dir="$tmp" '
    /^$/ { exit }
    $1 == "baud" { next }
    {
        f = dir "/" $2 "-" $3 ".dat"
        printf "%s %s %.3f %.3f\n", $1, $14, $12 / 1000.0, $11 / 1000.0 >> f
    }' "$csv"

noplan_plot=
if [ -n "$noplan" ]; then
    awk -F, -v f="$tmp/noplan.dat" '
        /^$/ { exit }
        $1 == "baud" { next }
        $2 == "stub" && $3 == "deflate" { printf "%s %s\n", $1, $14 >> f }' "$noplan"
    [ -s "$tmp/noplan.dat" ] || { echo "$0: no stub deflate rows in $noplan" >&2; exit 1; }
    noplan_plot=", \"$tmp/noplan.dat\" using 1:2 title \"stub compressed, esptool schedule\" with linespoints lw 1 dashtype 3 lc 4"
fi

for m in rom-plain rom-deflate stub-plain stub-deflate; do
    [ -s "$tmp/$m.dat" ] || { echo "$0: no rows for $m in $csv" >&2; exit 1; }
done

gnuplot <<EOF
set terminal pngcairo size 1200,500 font "sans,10"
set output "$out"
set multiplot layout 1,2 title "esploader-bench: ESP32, bootloader + partition table + 1 MiB app (virtual clock)"

set logscale x 2
set xtics ("115200" 115200, "460800" 460800, "921600" 921600, "2000000" 2000000)
set xlabel "baud"
set grid
set key bottom left

set title "efficiency = limit / write time"
set ylabel "efficiency"
set yrange [0.5:1.2]
plot 0.95 title "goal (stub + compressed)" with lines dashtype 2 lc rgb "gray", \
     "$tmp/rom-plain.dat"    using 1:2 title "ROM plain"        with linespoints lw 2 lc 1, \
     "$tmp/rom-deflate.dat"  using 1:2 title "ROM compressed"   with linespoints lw 2 lc 2, \
     "$tmp/stub-plain.dat"   using 1:2 title "stub plain"       with linespoints lw 2 lc 3, \
     "$tmp/stub-deflate.dat" using 1:2 title "stub compressed"  with linespoints lw 2 lc 4 $noplan_plot

set title "write time (solid) and limit (dashed)"
set ylabel "seconds"
set logscale y
set yrange [5:200]
set key top right
plot "$tmp/rom-plain.dat"    using 1:3 title "ROM plain"       with linespoints lw 2 lc 1, \
     "$tmp/rom-plain.dat"    using 1:4 notitle                 with lines dashtype 2 lc 1, \
     "$tmp/rom-deflate.dat"  using 1:3 title "ROM compressed"  with linespoints lw 2 lc 2, \
     "$tmp/rom-deflate.dat"  using 1:4 notitle                 with lines dashtype 2 lc 2, \
     "$tmp/stub-plain.dat"   using 1:3 title "stub plain"      with linespoints lw 2 lc 3, \
     "$tmp/stub-plain.dat"   using 1:4 notitle                 with lines dashtype 2 lc 3, \
     "$tmp/stub-deflate.dat" using 1:3 title "stub compressed" with linespoints lw 2 lc 4, \
     "$tmp/stub-deflate.dat" using 1:4 notitle                 with lines dashtype 2 lc 4
unset multiplot
EOF
echo "wrote $out"
