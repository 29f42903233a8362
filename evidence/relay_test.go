package evidence

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// Relay stands for the network between a proxy and a real app server: it forwards bytes
// and closes (FIN, or a reset) in both directions, each delayed by the one-way latency.
// On loopback an app server's close reaches the proxy in microseconds, so the proxy
// almost never reuses a connection the app has just closed; across a real network it
// does whenever it sends within one round trip of the close. The relay gives the close
// that round trip and nothing else: the app server and the proxy are unchanged.
type Relay struct {
	ln      net.Listener
	target  string
	latency time.Duration
	wg      sync.WaitGroup
}

// StartRelay listens on a loopback port and forwards to target with latency each way.
func StartRelay(t testing.TB, target string, latency time.Duration) *Relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &Relay{ln: ln, target: target, latency: latency}
	r.wg.Add(1)
	go r.serve()
	t.Cleanup(func() { ln.Close(); r.wg.Wait() })
	return r
}

// Addr is where the proxy connects.
func (r *Relay) Addr() string { return r.ln.Addr().String() }

func (r *Relay) serve() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.forward(c.(*net.TCPConn))
		}()
	}
}

func (r *Relay) forward(down *net.TCPConn) {
	defer down.Close()
	c, err := net.DialTimeout("tcp", r.target, 2*time.Second)
	if err != nil {
		down.SetLinger(0)
		return
	}
	up := c.(*net.TCPConn)
	defer up.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); r.pump(up, down) }()
	go func() { defer wg.Done(); r.pump(down, up) }()
	wg.Wait()
}

type chunk struct {
	at   time.Time
	data []byte
	err  error // io.EOF: forward a FIN; another error: forward a reset
}

// pump copies src to dst, each chunk and the final close delivered latency later.
func (r *Relay) pump(dst, src *net.TCPConn) {
	queue := make(chan chunk, 256)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for c := range queue {
			time.Sleep(time.Until(c.at))
			if c.err != nil {
				if errors.Is(c.err, io.EOF) {
					dst.CloseWrite()
				} else {
					dst.SetLinger(0)
					dst.Close()
				}
				continue
			}
			if _, err := dst.Write(c.data); err != nil {
				src.SetLinger(0)
				src.Close()
			}
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			queue <- chunk{at: time.Now().Add(r.latency), data: append([]byte(nil), buf[:n]...)}
		}
		if err != nil {
			queue <- chunk{at: time.Now().Add(r.latency), err: err}
			break
		}
	}
	close(queue)
	<-done
}
