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
