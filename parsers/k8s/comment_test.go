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
