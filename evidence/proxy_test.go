package evidence

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The proxies run as fresh processes per case, in a temporary prefix, on a free loopback
// port. The config they run is the linted (or fixed) file with only its addresses
// rewritten (see Rewrite) and the paths a non-installed process needs added.

// needBinary skips the test when name is missing, except in CI where it fails.
func needBinary(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		for _, dir := range []string{"/usr/sbin", "/usr/local/sbin"} {
			if _, e := os.Stat(filepath.Join(dir, name)); e == nil {
				return filepath.Join(dir, name)
			}
		}
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (CI=true: .ci/run must install it)", name)
		}
		t.Skipf("%s is not installed: skipping the experiment", name)
	}
	return p
}

// Rewrite replaces, in a config that was linted, the addresses that only make sense in
// production (a Kubernetes Service name, a private IP, listen 80) with loopback ones.
// Nothing else in the file changes.
type Rewrite map[string]string

func (r Rewrite) apply(src string) string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	// Longest first, so that a key containing another is replaced whole.
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if len(keys[j]) > len(keys[i]) {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	for _, k := range keys {
		src = strings.ReplaceAll(src, k, r[k])
	}
	return src
}

var (
	versionOnce         sync.Once
	nginxVer, caddyVer  string
	nginxVersionPattern = regexp.MustCompile(`nginx/[0-9.]+`)
	caddyVersionPattern = regexp.MustCompile(`v?[0-9]+\.[0-9]+\.[0-9]+`)
)

func versions() (nginx, caddy string) {
	versionOnce.Do(func() {
		if p, err := exec.LookPath("nginx"); err == nil || fileExists("/usr/sbin/nginx") {
			if err != nil {
				p = "/usr/sbin/nginx"
			}
			out, _ := exec.Command(p, "-v").CombinedOutput()
			nginxVer = nginxVersionPattern.FindString(string(out))
		}
		if out, err := exec.Command("caddy", "version").CombinedOutput(); err == nil {
			caddyVer = "caddy/" + strings.TrimPrefix(caddyVersionPattern.FindString(string(out)), "v")
		}
	})
	return nginxVer, caddyVer
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// nginxOpt changes how StartNginx runs nginx.
// nginxOpt changes how StartNginx runs nginx.
type nginxOpt struct {
	master bool
	// unshare and hosts, when set, run nginx through unshare -m with hosts bind-mounted
	// on /etc/hosts: a name resolved at startup resolves there, and nowhere else.
	unshare, hosts string
}

// withMaster runs nginx's master process (one worker), so that SIGHUP reloads the config.
var withMaster = nginxOpt{master: true}

// StartNginx runs nginx with conf (a complete nginx.conf whose server listens on
// LISTEN_PORT, a placeholder replaced here) and returns the process and its port. The
// process runs in its temporary prefix (Cmd.Dir), where nginx.conf is.
func StartNginx(t testing.TB, conf string, opts ...nginxOpt) (*Proc, int) {
	t.Helper()
	bin := needBinary(t, "nginx")
	dir := t.TempDir()
	port := freePort(t)
	conf = strings.ReplaceAll(conf, "LISTEN_PORT", strconv.Itoa(port))
	// Run in the foreground as one process, with every path inside the prefix.
	master := "off"
	var ns nginxOpt
	for _, o := range opts {
		if o.master {
			master = "on;\nworker_processes 1"
		}
		if o.unshare != "" {
			ns = o
		}
	}
	head := "daemon off;\nmaster_process " + master + ";\npid " + dir + "/nginx.pid;\nerror_log " + dir + "/error.log info;\n"
	var paths strings.Builder
	paths.WriteString("\n    access_log off;\n")
	for _, k := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		paths.WriteString("    " + k + "_temp_path " + dir + "/" + k + ";\n")
	}
	i := strings.Index(conf, "http {")
	if i < 0 {
		t.Fatalf("nginx config has no http block:\n%s", conf)
	}
	i += len("http {")
	conf = head + conf[:i] + paths.String() + conf[i:]
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", path)
	if ns.unshare != "" {
		cmd = exec.Command(ns.unshare, "-m", "sh", "-c", `mount --bind "$1" /etc/hosts && exec "$2" -p "$3" -c "$4"`, "sh", ns.hosts, bin, dir, path)
	}
	cmd.Dir = dir
	p := startProc(t, "nginx", cmd)
	waitListening(t, p, port)
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx error.log:\n%s", lastLines(string(b), 30))
		}
	})
	return p, port
}

// StartCaddy runs caddy with a Caddyfile whose site address contains LISTEN_PORT.
func StartCaddy(t testing.TB, caddyfile string) (*Proc, int) {
	t.Helper()
	bin := needBinary(t, "caddy")
	dir := t.TempDir()
	port := freePort(t)
	caddyfile = strings.ReplaceAll(caddyfile, "LISTEN_PORT", strconv.Itoa(port))
	// No admin endpoint (several instances run at once) and nothing persisted outside dir.
	global := "\tadmin off\n"
	if strings.HasPrefix(strings.TrimSpace(caddyfile), "{") {
		i := strings.Index(caddyfile, "{") + 1
		caddyfile = caddyfile[:i] + "\n" + global + caddyfile[i:]
	} else {
		caddyfile = "{\n" + global + "}\n\n" + caddyfile
	}
	path := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(path, []byte(caddyfile), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "--config", path, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir+"/data", "XDG_CONFIG_HOME="+dir+"/config")
	p := startProc(t, "caddy", cmd)
	waitListening(t, p, port)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("caddy log:\n%s", lastLines(p.log.String(), 30))
		}
	})
	return p, port
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
