package evidence

import (
	"encoding/binary"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var idDNSOnce = experiment("upstream-dns-resolved-once: nginx, the load balancer's address moves")

// elbName is the dynamic name of the experiment: an ALB's, whose node addresses AWS
// replaces. On loopback it resolves through a hosts file (what nginx reads at startup)
// and a small DNS server (what nginx's resolver asks at run time), both under the test's
// control.
const elbName = "internal-hooks-1234.eu-west-1.elb.amazonaws.com"

// TestDNSResolvedOnceNginx: nginx resolves an upstream's name once, at startup. The
// rule's claim: when the addresses move, nginx keeps connecting to the old ones and
// clients get 502 until a reload. nginx runs in its own mount namespace (unshare -m) with
// a hosts file bind-mounted on /etc/hosts, so the machine's resolver is not touched.
func TestDNSResolvedOnceNginx(t *testing.T) {
	t.Parallel()
	needBinary(t, "nginx")
	unshare := needBinary(t, "unshare")
	// A mount namespace needs root (or user namespaces): where there is none, the
	// experiment cannot run without touching the machine's resolver, and is skipped.
	probe := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(probe, []byte("127.0.0.1 localhost\n"), 0o644)
	if out, err := exec.Command(unshare, "-m", "sh", "-c", `mount --bind "$1" /etc/hosts`, "sh", probe).CombinedOutput(); err != nil {
		t.Skipf("no mount namespace here (unshare -m: %v %s): skipping", err, out)
	}
	bad := Files{"nginx.conf": `events {}
http {
    upstream hooks {
        server ` + elbName + `:8080;
    }
    server {
        listen 80;
        location / {
            proxy_pass http://hooks;
        }
    }
}
`}
	f := MustFlag(t, bad, "upstream-dns-resolved-once", "nginx.conf")
	fixedConf := `events {}
http {
    server {
        listen 80;
        location / {
            resolver DNS_SERVER valid=1s;
            set $upstream_host ` + elbName + `;
            proxy_pass http://$upstream_host:8080;
        }
    }
}
`
	fixed := Files{"nginx.conf": fixedConf}
	MustBeClean(t, fixed, "upstream-dns-resolved-once", "nginx.conf")
	const before, after = 5, 10
	try := func(conf string) func(t *testing.T) Counts {
		return func(t *testing.T) Counts {
			port := freePort(t)
			old := StartUpstream(t, Upstream{Host: "127.0.0.2", Port: port})
			var addr atomic.Value
			addr.Store(net.IPv4(127, 0, 0, 2))
			dns := startDNS(t, elbName, &addr)
			dir := t.TempDir()
			hosts := filepath.Join(dir, "hosts")
			if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n127.0.0.2 "+elbName+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			conf = strings.ReplaceAll(conf, elbName+":8080", elbName+":"+strconv.Itoa(port))
			conf = strings.ReplaceAll(conf, "$upstream_host:8080", "$upstream_host:"+strconv.Itoa(port))
			conf = strings.ReplaceAll(conf, "DNS_SERVER", dns)
			_, p := StartNginx(t, Rewrite{listen80: "listen 127.0.0.1:LISTEN_PORT;"}.apply(conf), inMountNamespace(unshare, hosts))
			c := Sequential(http.MethodPost, url(p, "/hook"), before, 0)
			// The move: the old node is gone, a new one answers on another address, and
			// DNS (the hosts file and the resolver alike) says so.
			old.stop()
			StartUpstream(t, Upstream{Host: "127.0.0.3", Port: port})
			addr.Store(net.IPv4(127, 0, 0, 3))
			os.WriteFile(hosts, []byte("127.0.0.1 localhost\n127.0.0.3 "+elbName+"\n"), 0o644)
			time.Sleep(2500 * time.Millisecond) // past valid=1s (nginx counts it in whole seconds)
			moved := Sequential(http.MethodPost, url(p, "/hook"), after, 0)
			c.N += moved.N
			c.OK += moved.OK
			c.Bad502 += moved.Bad502
			c.Bad504 += moved.Bad504
			c.Other += moved.Other
			c.Errors = append(c.Errors, moved.Errors...)
			return c
		}
	}
	traffic := "POST, 5 before the move and 10 after, one after another"
	rows := measure(t,
		run{"bad", traffic, try(bad["nginx.conf"])},
		run{"fixed", traffic, try(fixedConf)},
	)
	expectFailures(t, rows[0], after, 502)
	expectNone(t, rows[1])
	record(Record{
		ID: idDNSOnce, Rule: "upstream-dns-resolved-once", Proxy: nginxVersion(),
		Upstream: "a Go server on 127.0.0.2, replaced by one on 127.0.0.3 (the load balancer's nodes replaced)",
		Bad:      bad["nginx.conf"], Finding: f.Message,
		Fix:     diffLines(bad["nginx.conf"], fixedConf),
		FixKind: "the rule's snippet applied by hand (the resolver's address is the user's), with valid=1s for a short run and DNS_SERVER the experiment's DNS server",
		Method:  "nginx runs in its own mount namespace with a hosts file on /etc/hosts (what it reads when it resolves at startup); a DNS server on loopback answers its resolver. 5 POSTs, then the move (the old server stops, the new one starts, the hosts file and the DNS server give the new address), 2.5s, then 10 POSTs.",
		Rows:    rows,
		Note:    "The name resolved at startup keeps pointing at the old address: after the move every request is a **502** (connection refused) until nginx is reloaded. With the name in a variable, nginx asks its resolver again once valid= has passed and reaches the new server.",
	})
}

// inMountNamespace runs nginx through unshare -m with hosts bind-mounted on /etc/hosts.
func inMountNamespace(unshare, hosts string) nginxOpt {
	return nginxOpt{unshare: unshare, hosts: hosts}
}

// startDNS answers A queries for name with *addr (TTL 1s) on a loopback UDP port, and
// every other query with no answer; it returns the server's address.
func startDNS(t *testing.T, name string, addr *atomic.Value) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := dnsAnswer(buf[:n], name, addr.Load().(net.IP)); resp != nil {
				pc.WriteTo(resp, from)
			}
		}
	}()
	return pc.LocalAddr().String()
}

// dnsAnswer builds the response to one query (RFC 1035 §4.1).
func dnsAnswer(q []byte, name string, ip net.IP) []byte {
	if len(q) < 12 {
		return nil
	}
	// The question: labels up to the root, then QTYPE and QCLASS.
	i, labels := 12, []string{}
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	if i+5 > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i+1:])
	question := q[12 : i+5]
	match := strings.EqualFold(strings.Join(labels, "."), name) && qtype == 1
	resp := make([]byte, 12, 64)
	copy(resp, q[:2])                            // ID
	binary.BigEndian.PutUint16(resp[2:], 0x8180) // response, recursion desired and available
	binary.BigEndian.PutUint16(resp[4:], 1)      // QDCOUNT
	if match {
		binary.BigEndian.PutUint16(resp[6:], 1) // ANCOUNT
	}
	resp = append(resp, question...)
	if match {
		resp = append(resp, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4) // name pointer, A, IN, TTL 1, 4 bytes
		resp = append(resp, ip.To4()...)
	}
	return resp
}
