package terraform_test

import (
	"reflect"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/terraform"
)

// The cache gives what Edits computes, for the same text and for a file whose other
// blocks changed (the edits move with their block), and its results are the caller's
// own.
func TestEditCacheSameAsEdits(t *testing.T) {
	const tg = `resource "aws_lb_target_group" "tg" {
  name = "tg"
  port = 8080
}
`
	const svc = `resource "aws_ecs_service" "svc" {
  name = "svc"
}
`
	set := func(m *parsers.Model) terraform.Set {
		f := m.Files[0]
		if len(f.Blocks) != 2 {
			t.Fatalf("want 2 top-level blocks, got %d", len(f.Blocks))
		}
		return terraform.Set{In: f.Blocks[1], Name: "desired_count", Value: "2"}
	}
	var cache terraform.EditCache
	for i, src := range []string{
		tg + "\n" + svc,
		tg + "\n" + svc, // the same text: a hit
		`resource "aws_lb_target_group" "tg" {
  name                 = "tg"
  port                 = 8080
  deregistration_delay = 30
}
` + "\n" + svc, // the block before changed: a hit, moved
		tg + "\n" + `resource "aws_ecs_service" "svc" {
  name = "svc2"
}
`, // the block itself changed: a miss
	} {
		m := parse(t, nil, "main.tf", src)
		want, wantSnippet := terraform.Edits(m, set(m))
		got, gotSnippet := cache.Edits(m, set(m))
		if len(want) == 0 || !reflect.DeepEqual(got, want) || gotSnippet != wantSnippet {
			t.Fatalf("text %d: cached %+v %q, want %+v %q", i, got, gotSnippet, want, wantSnippet)
		}
		got[0].New = "changed by the caller"
		if again, _ := cache.Edits(m, set(m)); !reflect.DeepEqual(again, want) {
			t.Fatalf("text %d: the cache kept a caller's change: %+v", i, again)
		}
	}
}
