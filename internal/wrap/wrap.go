// Package wrap breaks text into lines at spaces, for the report's columns
// (measured in runes, or in terminal columns where Chinese text takes two
// and breaks between characters) and the chart's caption (measured in
// points).
package wrap

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Words breaks text at spaces into lines, each as long as fits allows;
// a word that does not fit alone gets a line of its own. Runs of spaces
// count as one.
func Words(text string, fits func(line string) bool) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case fits(line + " " + word):
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// Columns breaks text into lines of at most width runes.
func Columns(text string, width int) []string {
	return Words(text, func(line string) bool { return len([]rune(line)) <= width })
}

// Display breaks text into lines of at most width terminal columns: a
// wide character (Chinese, say) takes two, and text without spaces
// between such characters may break between any two of them. A word that
// does not fit alone gets a line of its own.
func Display(text string, width int) []string {
	var lines []string
	line, cols := "", 0
	for _, piece := range pieces(text) {
		w := Width(piece.text)
		if line != "" && cols+piece.space+w > width {
			lines = append(lines, line)
			line, cols = "", 0
		}
		if line != "" && piece.space > 0 {
			line += " "
			cols++
		}
		line += piece.text
		cols += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// Width is the number of terminal columns text takes.
func Width(text string) int {
	n := 0
	for _, r := range text {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// piece is what Display may not break: a run of narrow characters, or one
// wide character; space says whether a space came before it.
type piece struct {
	text  string
	space int
}

func pieces(text string) []piece {
	var out []piece
	var cur []rune
	space := 0
	end := func() {
		if len(cur) > 0 {
			out = append(out, piece{string(cur), space})
			cur, space = nil, 0
		}
	}
	for _, r := range text {
		switch {
		case unicode.IsSpace(r):
			end()
			space = 1
		case runeWidth(r) == 2:
			end()
			out = append(out, piece{string(r), space})
			space = 0
		default:
			cur = append(cur, r)
		}
	}
	end()
	return out
}
