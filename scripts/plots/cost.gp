# cost.gp — monthly cost by line item, stacked, one bar per variant.
# gnuplot -c cost.gp cost.csv OUT TITLE COLUMNS   (cost.csv: variant,<line>,<line>,...; COLUMNS: how many;
#   writes OUT.png and OUT.svg)
load ARG0[1:strstrt(ARG0, "cost.gp") - 1] . "common.gp"
ncol = int(ARG4)
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border -1
set boxwidth 0.6
set ylabel "USD a month"
set yrange [0:*]
set key outside right top
set title ARG3
set xtics noenhanced
set style increment default
do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 900,560 font "sans,10" } else { set terminal svg size 900,560 dynamic font "sans,10" }
    set output ARG2 . "." . fmt
    plot for [i=2:ncol] ARG1 using i:xtic(1) title columnheader(i)
    unset output
}
