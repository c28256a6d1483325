// Package wrap breaks text into lines at spaces, for the report's columns
// (measured in runes) and the chart's caption (measured in points).
package wrap

import "strings"

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
