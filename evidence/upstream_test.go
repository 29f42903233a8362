package evidence

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The controllable upstream runs as a subprocess (the test binary re-executed with
// upstreamEnv set), so that kill -9 and SIGTERM are real signals to a real process.

const upstreamEnv = "NO502_EVIDENCE_UPSTREAM"

// Upstream configures one upstream process (passed to it as JSON in upstreamEnv).
type Upstream struct {
	// IdleTimeout closes a keep-alive connection idle this long (0: never).
	IdleTimeout time.Duration
	// CloseLag is how long after deciding to close an idle connection the upstream
	// actually closes it; a request arriving in between is answered with a reset, as a
	// busy event loop or a slow network makes it happen in production.
	CloseLag time.Duration
	// Delay is how long each request to / takes.
	Delay time.Duration
	// HealthFails makes /healthz answer 503.
	HealthFails bool
	// OnTerm is what SIGTERM does: "immediate" (exit at once, in-flight requests cut),
	// "graceful" (stop accepting, finish in-flight requests, exit) or "drain" (answer
	// /healthz 503 and every response with Connection: close for DrainFor, then graceful).
	OnTerm   string
	DrainFor time.Duration
	// Port to listen on (0: any free port); a restarted instance takes its old one.
	Port int
	// Host is the loopback address to listen on (default 127.0.0.1): an instance that
	// moved to another address.
	Host string
}

// upstreamMain runs the upstream when the test binary is re-executed as one.
func upstreamMain(spec string) {
	var u Upstream
	if err := json.Unmarshal([]byte(spec), &u); err != nil {
		fmt.Fprintln(os.Stderr, "upstream: bad spec:", err)
		os.Exit(2)
	}
	host := u.Host
	if host == "" {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(u.Port)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "upstream:", err)
		os.Exit(2)
	}
	var draining atomic.Bool
	var accepted atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if u.HealthFails || draining.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d\n", accepted.Load())
	})
	var inflight atomic.Int64
	mux.HandleFunc("/inflight", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d\n", inflight.Load())
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		inflight.Add(1)
		defer inflight.Add(-1)
		io.Copy(io.Discard, r.Body)
		time.Sleep(u.Delay)
		if draining.Load() {
			w.Header().Set("Connection", "close")
		}
		io.WriteString(w, "ok\n")
	})
	lagged := &lagListener{Listener: ln, idle: u.IdleTimeout, lag: u.CloseLag, accepted: &accepted}
	srv := &http.Server{Handler: mux, ConnState: lagged.connState}
	if u.IdleTimeout > 0 && u.CloseLag == 0 {
		srv.IdleTimeout = u.IdleTimeout
	}
	if u.OnTerm != "immediate" {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		go func() {
			<-sig
			if u.OnTerm == "drain" {
				draining.Store(true)
				time.Sleep(u.DrainFor)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			srv.Shutdown(ctx)
			os.Exit(0)
		}()
	}
	fmt.Printf("LISTEN %d\n", ln.Addr().(*net.TCPAddr).Port)
	if err := srv.Serve(lagged); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "upstream:", err)
		os.Exit(1)
	}
	select {} // Shutdown returned Serve early: wait for the signal goroutine to exit.
}

// lagListener wraps connections so that an idle timeout can close with a lag.
type lagListener struct {
	net.Listener
	idle, lag time.Duration
	accepted  *atomic.Int64
	conns     sync.Map // net.Conn -> *lagConn
}

func (l *lagListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.accepted.Add(1)
	lc := &lagConn{Conn: c}
	l.conns.Store(net.Conn(lc), lc)
	return lc, nil
}

func (l *lagListener) connState(c net.Conn, s http.ConnState) {
	v, ok := l.conns.Load(c)
	if !ok {
		return
	}
	lc := v.(*lagConn)
	switch s {
	case http.StateIdle:
		if l.idle > 0 && l.lag > 0 {
			lc.armIdle(l.idle, l.lag)
		}
	case http.StateClosed, http.StateHijacked:
		l.conns.Delete(c)
	}
}

// lagConn is a connection that, once its idle timer has fired, answers any further
// request bytes with a reset until it actually closes CloseLag later.
type lagConn struct {
	net.Conn
	mu      sync.Mutex
	busy    bool
	closing bool
	timer   *time.Timer
}

func (c *lagConn) armIdle(idle, lag time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.busy = false
	if c.timer != nil {
		c.timer.Stop()
	}
	c.timer = time.AfterFunc(idle, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.busy {
			return
		}
		c.closing = true
		time.AfterFunc(lag, func() { c.Conn.Close() })
	})
}

func (c *lagConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.mu.Lock()
		closing := c.closing
		if !closing {
			c.busy = true
			if c.timer != nil {
				c.timer.Stop()
			}
		}
		c.mu.Unlock()
		if closing {
			if tc, ok := c.Conn.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			c.Conn.Close()
			return 0, errors.New("request on a connection closing after its idle timeout: reset")
		}
	}
	return n, err
}

// Proc is a process started by a test, stopped when the test ends.
type Proc struct {
	Cmd  *exec.Cmd
	Name string
	Port int
	done chan struct{}
	err  error
	log  *lockedBuffer
}

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Signal sends sig to the process.
func (p *Proc) Signal(sig syscall.Signal) {
	if !p.Exited() {
		p.Cmd.Process.Signal(sig)
	}
}

// Wait waits up to d for the process to end.
func (p *Proc) Wait(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// stop kills the process (and its group: nginx or a shell may have children) and reaps it.
func (p *Proc) stop() {
	if p.Exited() {
		return
	}
	syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL)
	p.Cmd.Process.Kill()
	p.Wait(5 * time.Second)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startProc starts cmd in its own process group, registers its stop with t.Cleanup and
// returns once it has started.
func startProc(t testing.TB, name string, cmd *exec.Cmd) *Proc {
	t.Helper()
	p := &Proc{Cmd: cmd, Name: name, done: make(chan struct{}), log: &lockedBuffer{}}
	if err := p.start(t); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	return p
}

func (p *Proc) start(t testing.TB) error {
	p.Cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if p.Cmd.Stderr == nil {
		p.Cmd.Stderr = p.log
	}
	if err := p.Cmd.Start(); err != nil {
		return err
	}
	go func() { p.err = p.Cmd.Wait(); close(p.done) }()
	t.Cleanup(p.stop)
	return nil
}

// StartUpstream starts the Go upstream as a subprocess and returns once it listens.
func StartUpstream(t testing.TB, u Upstream) *Proc {
	t.Helper()
	p, err := startUpstream(t, u)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startUpstream is StartUpstream for goroutines other than the test's: it returns its
// error instead of failing the test.
func startUpstream(t testing.TB, u Upstream) (*Proc, error) {
	spec, _ := json.Marshal(u)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), upstreamEnv+"="+string(spec))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &Proc{Cmd: cmd, Name: "upstream", done: make(chan struct{}), log: &lockedBuffer{}}
	if err := p.start(t); err != nil {
		return nil, err
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "LISTEN ") {
				lines <- sc.Text()
			}
		}
	}()
	select {
	case l := <-lines:
		p.Port, _ = strconv.Atoi(strings.TrimPrefix(l, "LISTEN "))
	case <-p.done:
		return nil, fmt.Errorf("upstream exited: %s", p.log)
	case <-time.After(startDeadline):
		return nil, fmt.Errorf("upstream did not start in %s: %s", startDeadline, p.log)
	}
	return p, nil
}

// Addr is the process's listen address.
func (p *Proc) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.Port) }

// freePort returns a loopback port nothing listens on now. Ports come from below the
// kernel's ephemeral range (32768 and up on Linux) and from a counter, so that a port
// handed out here is not taken in the meantime by the local end of one of the many
// short connections the experiments open, nor handed out twice.
func freePort(t testing.TB) int {
	t.Helper()
	for i := 0; i < 2000; i++ {
		port := int(nextPort.Add(1))
		if port >= 32000 {
			nextPort.Store(portBase)
			continue
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		ln.Close()
		return port
	}
	t.Fatal("no free loopback port below 32000")
	return 0
}

// portBase spreads concurrent test processes (go test -count, other packages) apart.
var (
	portBase = int64(20000 + (os.Getpid()%100)*100)
	nextPort atomic.Int64
)

func init() { nextPort.Store(portBase) }

// startDeadline bounds how long a server (an app, nginx, Caddy) may take to listen. It
// only ends a run that has already failed, so it is generous: at a load average of 30
// (eight builds on two cores) gunicorn and uvicorn took more than 10s to import and bind.
const startDeadline = 30 * time.Second

// waitListening polls until something accepts connections on port, or fails the test.
func waitListening(t testing.TB, p *Proc, port int) {
	t.Helper()
	deadline := time.Now().Add(startDeadline)
	for time.Now().Before(deadline) {
		if p.Exited() {
			t.Fatalf("%s exited before listening: %v\n%s", p.Name, p.err, p.log)
		}
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s is not listening on %d after %s:\n%s", p.Name, port, startDeadline, p.log)
}
