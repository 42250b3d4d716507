# cost.gp — monthly cost by line item, stacked, one bar per variant.
# gnuplot -c cost.gp cost.csv OUT TITLE COLUMNS   (cost.csv: variant,<line>,<line>,...; COLUMNS: how many;
#   writes OUT.png and OUT.svg)
# A line item that costs nothing in every bar is not drawn nor listed; the key lists the
# items in the order they stack (top first). The bars' labels keep apart: slanted when they
# would be wider than a bar's slot, upright when the slots are too narrow even for that,
# and a name over 40 characters shortened in its middle (compare.csv has it whole).
load ARG0[1:strstrt(ARG0, "cost.gp") - 1] . "common.gp"
ncol = int(ARG4)
items = ""
do for [i=2:ncol] {
    stats ARG1 using i skip 1 nooutput
    if (exists("STATS_records") && (STATS_min != 0 || STATS_max != 0)) { items = items . sprintf(" %d", i) }
}
if (strlen(items) == 0) { print "cost.gp: no line item costs anything: nothing to draw"; exit }

# About 6.5 pixels a character at 10 points, and some 600 of the 900 pixels for the plot
# beside the key, where n bars stand 1/(n + 1) of its width apart (its x range is -1 to n).
label(s) = strlen(s) <= 40 ? s : s[1:19] . "…" . s[strlen(s) - 18:]
stats ARG1 using (strlen(label(strcol(1)))) skip 1 nooutput
longest = STATS_max
slot = 600.0 / (STATS_records + 1)
if (longest * 6.5 > 0.9 * slot) {
    angle = slot >= 32 ? 30 : 90
    set xtics rotate by angle right
    # A slanted label ends at its bar and reaches left: room for the first one.
    left = angle == 30 ? longest * 6.5 * cos(pi / 6) - slot / 2 + 10 : 0
    if (left > 80) { set lmargin at screen left / 900.0 }
}

set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border -1
set boxwidth 0.6
set ylabel "USD a month"
set yrange [0:*]
set key outside right top invert
set title ARG3
set xtics noenhanced
set style increment default
do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 900,560 font "sans,10" } else { set terminal svg size 900,560 dynamic font "sans,10" }
    set output ARG2 . "." . fmt
    plot for [w in items] ARG1 using int(w):xtic(label(strcol(1))) title columnheader(int(w))
    @saved
    unset output
}
