package config

import (
	"strings"
	"testing"
	"time"
)

func TestMinReadTimeoutAndDynamicHosts(t *testing.T) {
	c := Default()
	if c.MinReadTimeout.Value != 5*time.Second || !c.MinReadTimeout.IsDefault() {
		t.Errorf("default min_read_timeout = %v", c.MinReadTimeout)
	}
	src := "min_read_timeout: 2s\ndynamic_hosts:\n  - api.partner.example.\n  - \"*.Internal.Example\"\n"
	c, err := Parse(".no502.yaml", []byte(src), known)
	if err != nil {
		t.Fatal(err)
	}
	if c.MinReadTimeout.Value != 2*time.Second || !c.MinReadTimeout.Explicit() {
		t.Errorf("min_read_timeout = %v", c.MinReadTimeout)
	}
	for host, want := range map[string]bool{
		"api.partner.example": true, "API.partner.example.": true, "x.partner.example": false,
		"a.internal.example": true, "a.b.internal.example": true, "internal.example": false, "notinternal.example": false,
	} {
		if _, got := c.DynamicHost(host); got != want {
			t.Errorf("DynamicHost(%q) = %v, want %v", host, got, want)
		}
	}
	_, err = Parse(".no502.yaml", []byte("dynamic_hosts:\n  - a.*.example\n  - http://x\n"), known)
	if err == nil || !strings.Contains(err.Error(), `"a.*.example" is not a host name`) || !strings.Contains(err.Error(), `"http://x"`) {
		t.Errorf("bad dynamic_hosts: err = %v", err)
	}
}
