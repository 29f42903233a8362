package terraform

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

func TestAttrComment(t *testing.T) {
	src := "resource \"aws_ecs_service\" \"nats\" {\n  desired_count = 1 # one node\n\n  // A single node must never run twice\n  # against the same store.\n  deployment_minimum_healthy_percent = 0\n  deployment_maximum_percent         = 100\n  /* blocked\n     on purpose */\n  launch_type = \"EC2\"\n  name = \"a # b\"\n}\n"
	f := &parsers.File{Path: "main.tf", Src: []byte(src)}
	at := func(key string) parsers.Pos {
		i := strings.Index(src, key)
		return parsers.Pos{File: "main.tf", Line: int32(strings.Count(src[:i], "\n") + 1), Col: 3, Offset: int32(i)}
	}
	for key, want := range map[string]string{
		"desired_count":                      "", // a comment on the line is not read
		"deployment_minimum_healthy_percent": "A single node must never run twice against the same store.",
		"deployment_maximum_percent":         "",
		"launch_type":                        "blocked\n     on purpose",
		"name":                               "", // a '#' in a string is text
	} {
		if got := AttrComment(f, at(key)); got != want {
			t.Errorf("AttrComment(%s) = %q, want %q", key, got, want)
		}
	}
}
