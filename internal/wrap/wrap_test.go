package wrap

import (
	"reflect"
	"testing"
)

func TestColumns(t *testing.T) {
	for _, c := range []struct {
		text  string
		width int
		want  []string
	}{
		{"aa bb cc", 5, []string{"aa bb", "cc"}},
		{"aa  bb\tcc", 8, []string{"aa bb cc"}},
		{"a verylongword b", 4, []string{"a", "verylongword", "b"}},
		{"héé éé", 5, []string{"héé", "éé"}}, // runes, not bytes
		{"", 10, nil},
	} {
		if got := Columns(c.text, c.width); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Columns(%q, %d) = %q; want %q", c.text, c.width, got, c.want)
		}
	}
}

func TestWordsAsksTheMeasure(t *testing.T) {
	// A measure in which "b" is wide: the line breaks before it.
	fits := func(line string) bool { return len(line) <= 6 && line != "a b" }
	if got, want := Words("a b c", fits), []string{"a", "b c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Words = %q; want %q", got, want)
	}
}

func TestDisplay(t *testing.T) {
	for _, c := range []struct {
		text  string
		width int
		want  []string
	}{
		{"aa bb cc", 5, []string{"aa bb", "cc"}},
		{"中文没有空格", 6, []string{"中文没", "有空格"}},          // two columns a character, a break between any two
		{"see 中文 here", 8, []string{"see 中文", "here"}}, // spaces kept where the text has them
		{"loopback回环设备", 12, []string{"loopback回环", "设备"}},
		{"", 10, nil},
	} {
		if got := Display(c.text, c.width); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Display(%q, %d) = %q; want %q", c.text, c.width, got, c.want)
		}
	}
	if got := Width("lo回环"); got != 6 {
		t.Errorf("Width(lo回环) = %d; want 6", got)
	}
}
