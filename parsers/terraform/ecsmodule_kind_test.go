package terraform

import "testing"

// The module is recognised from the registry and from GitHub, with a version ref, and
// only its service submodule and root are services.
func TestECSModuleKind(t *testing.T) {
	for source, want := range map[string]string{
		"terraform-aws-modules/ecs/aws//modules/service":                                              "service",
		"registry.terraform.io/terraform-aws-modules/ecs/aws//modules/service":                        "service",
		"terraform-aws-modules/ecs/aws":                                                               "root",
		"git::https://github.com/terraform-aws-modules/terraform-aws-ecs.git//modules/service?ref=v5": "service",
		"github.com/terraform-aws-modules/terraform-aws-ecs//modules/service":                         "service",
		"git@github.com:terraform-aws-modules/terraform-aws-ecs.git//modules/service":                 "service",
		"terraform-aws-modules/ecs/aws//modules/cluster":                                              "",
		"terraform-aws-modules/ecs/aws//modules/container-definition":                                 "",
		"../../modules/service":         "",
		"terraform-aws-modules/alb/aws": "",
		"acme/ecs/aws//modules/service": "",
	} {
		if got := ecsModuleKind(source); got != want {
			t.Errorf("%s: %q, want %q", source, got, want)
		}
	}
}

// A new input of a module call goes after its source and version lines.
func TestAfterModuleSource(t *testing.T) {
	src := []byte("module \"a\" {\n  source  = \"x\"\n  version = \"1\"\n\n  name = \"a\"\n}\n")
	start := len("module \"a\" {\n")
	at := afterModuleSource(src, start, len(src)-1)
	if got := string(src[at:]); got != "\n  name = \"a\"\n}\n" {
		t.Errorf("inserts before %q", got)
	}
	plain := []byte("resource \"r\" \"a\" {\n  name = \"a\"\n}\n")
	start = len("resource \"r\" \"a\" {\n")
	if at := afterModuleSource(plain, start, len(plain)-1); at != start {
		t.Errorf("moved past %q", plain[start:at])
	}
}
