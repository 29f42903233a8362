package parsers

import (
	"slices"
	"testing"
)

// TestHopsOnPort: a Caddy site (or an nginx server) whose every address writes a port other than the one the
// traffic arrives on is dropped, once some Caddy site is known to be on that port (written,
// or by its scheme's default); an address without a port, with a placeholder, a range or a
// network prefix keeps its site; nothing is dropped when no site is known to be on it (a
// port mapping may lead elsewhere).
func TestHopsOnPort(t *testing.T) {
	site := func(listen ...string) *Hop { return &Hop{Kind: HopCaddy, Listen: listen} }
	main80, internal := site(":80"), site(":8080")
	host, metrics := site("example.com"), site(":9180")
	plain, placeholder, rng := site("http://"), site(":{$PORT}"), site("tcp/:80-85")
	nginx := &Hop{Kind: HopNginx, Listen: []string{"8080"}}
	server := func(listen ...string) *Hop { return &Hop{Kind: HopNginx, Listen: listen} }
	n80, n8080, n6 := server("80"), server("127.0.0.1:8080"), server("[::]:80", "443")
	unix, hostOnly := server("unix:/run/app.sock"), server("localhost")
	for _, c := range []struct {
		name string
		hops []*Hop
		port string
		want []*Hop
	}{
		{"written port", []*Hop{main80, internal, nginx}, "80", []*Hop{main80, nginx}},
		{"https default", []*Hop{host, metrics}, "443", []*Hop{host}},
		{"http:// default", []*Hop{plain, internal}, "80", []*Hop{plain}},
		{"no site on the port", []*Hop{internal, metrics}, "80", []*Hop{internal, metrics}},
		{"unknown port", []*Hop{main80, internal}, "", []*Hop{main80, internal}},
		{"unreadable addresses stay", []*Hop{main80, placeholder, rng}, "80", []*Hop{main80, placeholder, rng}},
		{"several addresses, one on the port", []*Hop{site(":80", ":8080"), metrics}, "8080", []*Hop{site(":80", ":8080")}},
		{"nginx written port", []*Hop{n80, n8080}, "80", []*Hop{n80}},
		{"nginx IPv6 and a second listen", []*Hop{n8080, n6}, "443", []*Hop{n6}},
		{"nginx on another port only", []*Hop{n8080}, "80", []*Hop{n8080}},
		{"nginx socket and host alone stay", []*Hop{n80, unix, hostOnly, n8080}, "80", []*Hop{n80, unix, hostOnly}},
		{"each kind on its own", []*Hop{internal, n80, n8080}, "80", []*Hop{internal, n80}},
	} {
		got := hopsOnPort(c.hops, c.port)
		if len(got) != len(c.want) {
			t.Errorf("%s: got %d hops, want %d", c.name, len(got), len(c.want))
			continue
		}
		for i := range got {
			if !slices.Equal(got[i].Listen, c.want[i].Listen) {
				t.Errorf("%s: hop %d listens on %v, want %v", c.name, i, got[i].Listen, c.want[i].Listen)
			}
		}
	}
}

// TestTrafficPortECSBridge: an ECS task in bridge mode is registered on the host port its
// portMapping maps to the container's port; the proxy inside listens on the container's.
func TestTrafficPortECSBridge(t *testing.T) {
	w := &Workload{Name: "web", Containers: []*Container{{Ports: []ContainerPort{{Port: 8080, HostPort: 80}}}}}
	be := &Backend{TrafficPorts: []TrafficPort{{Port: Set(80, Pos{File: "ecs.tf", Line: 1, Col: 1}, "80"), Workload: "web"}}, Workloads: []*Workload{w}}
	if got := trafficPort(be); got != "8080" {
		t.Errorf("bridge mapping 80 → 8080: traffic port %q, want 8080", got)
	}
	be.TrafficPorts[0].Workload = ""
	if got := trafficPort(be); got != "80" {
		t.Errorf("an instance port no ECS service maps: %q, want 80", got)
	}
}
