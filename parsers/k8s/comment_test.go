package k8s

import (
	"strings"
	"testing"
)

// CommentIn tells a YAML comment from a '#' in a block scalar or a quoted string. "@"
// marks the byte asked about (it is removed before the call).
func TestCommentIn(t *testing.T) {
	for _, c := range []struct {
		src  string
		want bool
	}{
		{"a: 1 @# c\n", true},
		{"@# top\na: 1\n", true},
		{"a: \"x @# y\"\n", false},
		{"a: 'x @# y'\n", false},
		{"a: x@#y\n", false},
		{"data:\n  run.sh: |\n    echo\n    @# no502:ignore x\n", false},
		{"data:\n  run.sh: |-\n    echo\n\n    @# x\n  b: 1\n", false},
		{"data:\n  run.sh: >\n    echo\n  @# after the scalar\n", true},
		{"data:\n  run.sh: |\n    echo\nb: 1 @# after\n", true},
		{"items:\n- |\n  text\n  @# in the item\n", false},
		{"items:\n- name: |\n    text\n    @# in\n  image: x # out\n", false},
		{"items:\n- name: |\n    text\n  image: x @# out\n", true},
		{"a: | # a comment on the indicator line\n  text\n  @# in\n", false},
		{"a: | @# on the indicator line\n  text\n", true},
		{"a: x || y\n@# c\n", true},
		{"key: \"it's\" @# c\n", true},
	} {
		i := strings.Index(c.src, "@")
		src := []byte(c.src[:i] + c.src[i+1:])
		if got := CommentIn(src, i); got != c.want {
			t.Errorf("%q: CommentIn = %v, want %v", c.src, got, c.want)
		}
	}
}

func TestEntryComment(t *testing.T) {
	src := "spec:\n  # not designed to run clustered.\n  #   Do NOT scale.\n  replicas: 1\n  other: 2  # why two\n\n  # detached\n\n  third: 3\n  data: |\n    # a script line\n  fourth: '#4' # quoted\n"
	at := func(s string) int { return strings.Index(src, s) }
	for _, c := range []struct {
		value int
		want  string
	}{
		{at("1\n"), "not designed to run clustered. Do NOT scale."},
		{at("2  #"), ""}, // a comment on the line is not read
		{at("3\n"), ""},  // a blank line separates the comment
		{at("'#4'"), ""}, // the '#' in quotes is the value's
	} {
		if got := EntryComment([]byte(src), c.value); got != c.want {
			t.Errorf("EntryComment at %d = %q, want %q", c.value, got, c.want)
		}
	}
	if got := EntryComment([]byte("data: |\n  # in a scalar\n  x: 1\n"), len("data: |\n  # in a scalar\n  x: ")); got != "" {
		t.Errorf("a '#' line in a block scalar is not a comment: got %q", got)
	}
}
