package evidence

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The load driver sends webhook-like traffic: a POST with a small JSON body by default,
// a GET as the contrast. Every request opens its own connection to the proxy, so that
// nothing between the driver and the proxy can fail: only the proxy's upstream side is
// measured.

// Counts is what came back.
type Counts struct {
	N      int // requests sent
	OK     int // 2xx
	Bad502 int
	Bad504 int
	Other  int // other statuses and transport errors
	// Conns is how many connections the upstreams accepted, where an experiment counts them.
	Conns int
	// Errors holds the first few other outcomes, for a failing test's message.
	Errors []string
}

// Failed is every request that did not succeed.
func (c Counts) Failed() int { return c.N - c.OK }

func (c Counts) String() string {
	s := fmt.Sprintf("%d/%d ok, 502: %d, 504: %d", c.OK, c.N, c.Bad502, c.Bad504)
	if c.Conns > 0 {
		s += fmt.Sprintf(", upstream connections: %d", c.Conns)
	}
	if c.Other > 0 {
		s += fmt.Sprintf(", other: %d %v", c.Other, c.Errors)
	}
	return s
}

func (c *Counts) add(status int, err error) {
	c.N++
	switch {
	case status >= 200 && status < 300:
		c.OK++
	case status == 502:
		c.Bad502++
	case status == 504:
		c.Bad504++
	default:
		c.Other++
		if len(c.Errors) < 3 {
			if err != nil {
				c.Errors = append(c.Errors, err.Error())
			} else {
				c.Errors = append(c.Errors, strconv.Itoa(status))
			}
		}
	}
}

var client = &http.Client{
	Transport: &http.Transport{DisableKeepAlives: true},
	Timeout:   15 * time.Second,
}

// send sends one request and returns its status (0 and the error on a transport error).
func send(method, url string, i int) (int, error) {
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(`{"event":"delivery","id":` + strconv.Itoa(i) + `}`)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Sequential sends n requests one after another, each gap after the previous answer:
// an idle-connection experiment.
func Sequential(method, url string, n int, gap time.Duration) Counts {
	return SequentialWith(method, url, n, gap, nil)
}

// SequentialWith is Sequential calling before(i) ahead of each request, when nothing is
// in flight.
func SequentialWith(method, url string, n int, gap time.Duration, before func(i int)) Counts {
	var c Counts
	for i := 0; i < n; i++ {
		if i > 0 {
			time.Sleep(gap)
		}
		if before != nil {
			before(i)
		}
		c.add(send(method, url, i))
	}
	return c
}

// Concurrent sends n requests at once.
func Concurrent(method, url string, n int) Counts {
	return AtRate(method, url, n, 0, nil)
}

// AtRate starts n requests at a fixed rate (every interval; all at once when 0) without
// waiting for answers. at, when set, is called with the index of each request just
// before it is sent (to act in the middle of the load).
func AtRate(method, url string, n int, interval time.Duration, at func(i int)) Counts {
	statuses := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < n; i++ {
		if interval > 0 {
			time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		}
		if at != nil {
			at(i)
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			statuses[i], errs[i] = send(method, url, i)
		}(i)
	}
	wg.Wait()
	var c Counts
	for i, s := range statuses {
		c.add(s, errs[i])
	}
	return c
}
