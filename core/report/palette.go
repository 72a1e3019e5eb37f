package report

import "image/color"

// palette holds the series colours of every plot: ten hues that stay
// apart from each other (Tableau 10), so that a comparison of up to ten
// methods gives each its own colour. gonum's plotutil cycles through
// seven, which gave the eighth series the first one's colour.
var palette = []color.NRGBA{
	{0x4e, 0x79, 0xa7, 0xff}, // blue
	{0xf2, 0x8e, 0x2b, 0xff}, // orange
	{0xe1, 0x57, 0x59, 0xff}, // red
	{0x76, 0xb7, 0xb2, 0xff}, // teal
	{0x59, 0xa1, 0x4f, 0xff}, // green
	{0xed, 0xc9, 0x48, 0xff}, // yellow
	{0xb0, 0x7a, 0xa1, 0xff}, // purple
	{0xff, 0x9d, 0xa7, 0xff}, // pink
	{0x9c, 0x75, 0x5f, 0xff}, // brown
	{0x79, 0x70, 0x6c, 0xff}, // grey
}

// seriesColor is the colour of the i-th series of a plot; after ten the
// colours repeat, and the plots change the dash pattern (seriesRound).
func seriesColor(i int) color.NRGBA { return palette[i%len(palette)] }

// seriesRound is how many times the colours have repeated before the i-th
// series.
func seriesRound(i int) int { return i / len(palette) }
