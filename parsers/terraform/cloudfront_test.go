package terraform_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/terraform"
)

// TestCloudFrontOrigin: a distribution whose default cache behavior uses an origin
// naming an ALB's dns_name gives the ALB a CDNOrigin; anything that keeps which origin
// serves the default behavior from being known gives none.
func TestCloudFrontOrigin(t *testing.T) {
	const alb = `
resource "aws_lb" "web" { name = "web" }
`
	dist := func(body string) string {
		return alb + `resource "aws_cloudfront_distribution" "cdn" {
` + body + `
}
`
	}
	const origin = `
  origin {
    domain_name = aws_lb.web.dns_name
    origin_id   = "alb"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "http-only"
      origin_ssl_protocols   = ["TLSv1.2"]
      %s
    }
  }
`
	cases := []struct {
		name      string
		src       string
		want      int
		timeout   time.Duration
		elsewhere []string
	}{
		{"default timeout", dist(fmt.Sprintf(origin, "") + `default_cache_behavior { target_origin_id = "alb" }`), 1, 30 * time.Second, nil},
		{"written timeout", dist(fmt.Sprintf(origin, "origin_read_timeout = 45") + `default_cache_behavior { target_origin_id = "alb" }`), 1, 45 * time.Second, nil},
		{"ordered elsewhere", dist(fmt.Sprintf(origin, "") + `
  default_cache_behavior { target_origin_id = "alb" }
  ordered_cache_behavior {
    path_pattern     = "/static/*"
    target_origin_id = "s3"
  }
  ordered_cache_behavior {
    path_pattern     = "/api/*"
    target_origin_id = "alb"
  }
  ordered_cache_behavior {
    path_pattern     = var.p
    target_origin_id = "s3"
  }`), 1, 30 * time.Second, []string{"/static/*", "*"}},
		{"disabled", dist(`enabled = false` + fmt.Sprintf(origin, "") + `default_cache_behavior { target_origin_id = "alb" }`), 0, 0, nil},
		{"default to another origin", dist(fmt.Sprintf(origin, "") + `default_cache_behavior { target_origin_id = "s3" }`), 0, 0, nil},
		{"origin group", dist(fmt.Sprintf(origin, "") + `default_cache_behavior { target_origin_id = "group" }`), 0, 0, nil},
		{"unknown target", dist(fmt.Sprintf(origin, "") + `default_cache_behavior { target_origin_id = var.t }`), 0, 0, nil},
		{"dynamic origin", dist(`
  dynamic "origin" {
    for_each = [1]
    content {
      domain_name = aws_lb.web.dns_name
      origin_id   = "alb"
    }
  }
  default_cache_behavior { target_origin_id = "alb" }`), 0, 0, nil},
		{"domain not an ALB", dist(`
  origin {
    domain_name = var.host
    origin_id   = "alb"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "http-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }
  default_cache_behavior { target_origin_id = "alb" }`), 0, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := terraform.Parse([]parsers.Input{{Path: "main.tf", Abs: "/m/main.tf", Src: []byte(c.src)}}, parsers.Options{})
			var cdns []parsers.CDNOrigin
			for _, h := range m.Hops {
				cdns = append(cdns, h.CDNs...)
			}
			if len(cdns) != c.want {
				t.Fatalf("got %d CDN origins %+v, want %d", len(cdns), cdns, c.want)
			}
			if c.want == 0 {
				return
			}
			got := cdns[0]
			if got.ReadTimeout.Value != c.timeout || !got.ReadTimeout.Known() {
				t.Errorf("read timeout %+v, want %s", got.ReadTimeout, c.timeout)
			}
			if got.Name != `aws_cloudfront_distribution.cdn origin "alb"` {
				t.Errorf("name %q", got.Name)
			}
			if len(got.Elsewhere) != len(c.elsewhere) {
				t.Fatalf("elsewhere %q, want %q", got.Elsewhere, c.elsewhere)
			}
			for i := range c.elsewhere {
				if got.Elsewhere[i] != c.elsewhere[i] {
					t.Errorf("elsewhere %q, want %q", got.Elsewhere, c.elsewhere)
				}
			}
		})
	}
}
