package load

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"

	"github.com/no502/no502/parsers"
)

// linkKeys is what a cheap byte scan of one file learns about how it can link to other
// files, before any parsing: the names it defines or refers to, the labels its objects
// carry and the label selectors it holds. Two files can link (a Service selecting a
// Deployment, an Ingress naming a Service, an nginx upstream host that is a Service, a
// TargetGroupBinding naming a target group, a workload mounting a ConfigMap, an include)
// only when they share a name, or a selector of one is a subset of the labels of the
// other. The scan over-approximates: sharing a key only means the file is parsed.
type linkKeys struct {
	names  []string
	labels map[string]bool // "key=value"
	// selectors holds each label selector's pairs ("key=value").
	selectors [][]string
	// wild: a selector with matchExpressions, which can select by key alone: linked to
	// every file with labels.
	wild bool
	// classRefs are the Ingress classes its Ingresses name, classDefs the IngressClass
	// objects it defines: linked by class, not by name (every Ingress says "nginx").
	classRefs, classDefs []string
	// ingress: it holds an Ingress; controllerConfig: a ConfigMap with keys only the
	// ingress-nginx controller reads, which applies to every Ingress of the run.
	ingress, controllerConfig bool
}

func (k *linkKeys) name(s string) {
	s = strings.Trim(s, "\"' ")
	if s == "" || len(s) > 253 || !nameStart(s[0]) {
		return
	}
	k.names = append(k.names, s)
	if i := strings.IndexByte(s, '.'); i > 0 {
		k.names = append(k.names, s[:i]) // a Service's DNS name: name.namespace.svc...
	}
}

func nameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func hostByte(c byte) bool {
	return nameStart(c) || c == '-' || c == '.'
}

// hosts adds the host names written in text: what follows "://", and a name before
// ":PORT". IP addresses are skipped (their first label is a number).
func (k *linkKeys) hosts(text []byte) {
	for i := 0; i < len(text); i++ {
		switch {
		case text[i] == ':' && i+2 < len(text) && text[i+1] == '/' && text[i+2] == '/':
			j := i + 3
			for j < len(text) && hostByte(text[j]) {
				j++
			}
			k.host(text[i+3 : j])
			i = j - 1
		case text[i] == ':' && i+1 < len(text) && text[i+1] >= '0' && text[i+1] <= '9' && i > 0 && hostByte(text[i-1]):
			j := i
			for j > 0 && hostByte(text[j-1]) {
				j--
			}
			if j > 0 && text[j-1] == '/' && !(j > 2 && text[j-2] == '/' && text[j-3] == ':') {
				continue // a path segment, not a host ("image/name:1.2" is an image)
			}
			k.host(text[j:i])
		}
	}
}

func (k *linkKeys) host(h []byte) {
	h = bytes.Trim(h, ".-")
	if len(h) == 0 || h[0] >= '0' && h[0] <= '9' {
		return
	}
	k.name(string(h))
}

// scanKeys returns the link keys of a file of the given format.
func scanKeys(format, abs string, src []byte) *linkKeys {
	k := &linkKeys{labels: map[string]bool{}}
	switch format {
	case parsers.FormatK8s:
		scanYAML(k, src)
	case parsers.FormatCompose:
		scanText(k, format, abs, src)
		scanCompose(k, src)
	default:
		scanText(k, format, abs, src)
	}
	return k
}

// scanText serves nginx, Caddy and Terraform: hosts anywhere, Terraform `name = "..."`
// attributes (target group names), and include/import paths, which link a fragment to
// the file including it (a file's own base name and directory name are keys too).
func scanText(k *linkKeys, format, abs string, src []byte) {
	k.hosts(src)
	k.name(filepath.Base(abs))
	k.name(filepath.Base(filepath.Dir(abs)))
	for len(src) > 0 {
		line := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		f := bytes.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch {
		case string(f[0]) == "include" || string(f[0]) == "import":
			p := strings.Trim(string(f[1]), "\"';")
			k.name(filepath.Base(p))
			k.name(filepath.Base(filepath.Dir(p)))
		case format == parsers.FormatNginx && string(f[0]) == "upstream":
			// An upstream{} defined in another fragment than the proxy_pass naming it
			// (Beanstalk's conf.d/upstreams.conf and conf.d/elasticbeanstalk/app.conf,
			// in different directories): the name is the proxy_pass URL's host.
			k.name(strings.TrimSuffix(string(f[1]), "{"))
		case format == parsers.FormatTerraform && len(f) >= 3 && string(f[1]) == "=" &&
			(string(f[0]) == "name" || strings.HasSuffix(string(f[0]), "_name") || string(f[0]) == "source"):
			v := strings.Trim(string(f[2]), "\"")
			if string(f[0]) == "source" {
				v = filepath.Base(v) // a module's directory
			}
			k.name(v)
		}
	}
}

// frame is one enclosing YAML key.
type frame struct {
	indent int
	key    string
	id     int // distinguishes two selectors with the same key
}

// yamlScan walks the block-style YAML manifests are written in, line by line, with the
// stack of enclosing keys; flow collections ({a: b}, [x]) are read by flow. It is not a
// YAML parser: it only has to find names, labels and selectors, and anything it reads
// wrong only makes a file parsed for nothing or, at worst, a link missed in a partial
// run (the equivalence test in lint checks the testdata).
type yamlScan struct {
	k     *linkKeys
	stack []frame
	next  int
	sels  map[int]int // selector frame id -> index in k.selectors
	// kind and name of the current document.
	kind, name string
}

// endDoc closes a document: an IngressClass defines a class.
func (s *yamlScan) endDoc() {
	if s.kind == "IngressClass" && s.name != "" {
		s.k.classDefs = append(s.k.classDefs, s.name)
	}
	s.stack, s.kind, s.name = s.stack[:0], "", ""
}

// controllerKeys are the ConfigMap keys only the ingress-nginx controller reads (as
// parsers/k8s's nginxKeys).
var controllerKeys = map[string]bool{
	"proxy-read-timeout": true, "proxy-connect-timeout": true, "proxy-send-timeout": true,
	"worker-shutdown-timeout": true, "upstream-keepalive-timeout": true, "keep-alive": true,
	"proxy-next-upstream": true, "proxy-next-upstream-tries": true, "proxy-next-upstream-timeout": true,
	"use-forwarded-headers": true, "proxy-body-size": true, "upstream-keepalive-connections": true,
	"proxy-http-version": true,
}

func scanYAML(k *linkKeys, src []byte) {
	newYAMLScan(k).scan(src)
}

func newYAMLScan(k *linkKeys) *yamlScan {
	return &yamlScan{k: k, sels: map[int]int{}}
}

// scan reads src, one or more documents (each starts with no enclosing key).
func (s *yamlScan) scan(src []byte) {
	k := s.k
	scalarIndent := -1 // inside a block scalar (|, >) indented deeper than this
	for len(src) > 0 {
		line := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		line = bytes.TrimRight(line, " \t\r")
		indent := 0
		for indent < len(line) && line[indent] == ' ' {
			indent++
		}
		body := line[indent:]
		if len(body) == 0 {
			continue
		}
		if scalarIndent >= 0 {
			if indent > scalarIndent {
				k.hosts(body) // config text in a ConfigMap: upstream hosts
				continue
			}
			scalarIndent = -1
		}
		if body[0] == '#' || bytes.HasPrefix(body, []byte("---")) || bytes.HasPrefix(body, []byte("...")) {
			if body[0] != '#' {
				s.endDoc()
			}
			continue
		}
		for len(body) > 0 && body[0] == '-' && (len(body) == 1 || body[1] == ' ') {
			// "- key: value": the item's content is indented past the dash.
			n := 1
			for n < len(body) && body[n] == ' ' {
				n++
			}
			indent += n
			body = body[n:]
		}
		s.pop(indent)
		if len(body) == 0 {
			continue
		}
		key, value, ok := splitKey(body)
		if !ok {
			s.value(body)
			continue
		}
		value = stripComment(value)
		switch {
		case len(value) == 0 || len(value) == 1 && (value[0] == '{' || value[0] == '['):
			// A block, or a pretty-printed JSON object or array opening: its
			// members follow on deeper lines.
			s.push(indent, key)
		case value[0] == '|' || value[0] == '>':
			s.pair(key, nil)
			scalarIndent = indent
		case value[0] == '{' || value[0] == '[':
			s.push(indent, key)
			s.flow(value)
			s.stack = s.stack[:len(s.stack)-1]
		default:
			s.pair(key, value)
		}
	}
	s.endDoc()
}

// pop leaves the keys the line at indent is not inside. A list may sit at its key's
// own indentation ("containers:\n- name: x"): the item's content is deeper than the dash.
func (s *yamlScan) pop(indent int) {
	for len(s.stack) > 0 && s.stack[len(s.stack)-1].indent >= indent {
		s.stack = s.stack[:len(s.stack)-1]
	}
}

func (s *yamlScan) push(indent int, key string) {
	s.next++
	s.stack = append(s.stack, frame{indent: indent, key: key, id: s.next})
	if key == "matchExpressions" {
		s.k.wild = true
	}
}

// commonKeys are the keys manifests repeat on every object; intern returns them
// without allocating.
var commonKeys = map[string]string{}

func init() {
	for _, k := range strings.Fields(`apiVersion kind metadata name namespace labels annotations spec
		selector matchLabels matchExpressions template containers initContainers image ports
		containerPort protocol env value valueFrom fieldRef fieldPath resources requests limits cpu
		memory readinessProbe livenessProbe startupProbe httpGet path port periodSeconds
		timeoutSeconds failureThreshold successThreshold initialDelaySeconds lifecycle preStop exec
		command args volumeMounts mountPath volumes configMap emptyDir replicas strategy type
		rollingUpdate maxSurge maxUnavailable targetPort rules http paths pathType backend service
		number host hosts tls secretName ingressClassName minAvailable data key operator values
		serviceAccountName terminationGracePeriodSeconds securityContext runAsNonRoot runAsUser
		fsGroup topologySpreadConstraints maxSkew topologyKey whenUnsatisfiable labelSelector
		imagePullPolicy revisionHistoryLimit scaleTargetRef minReplicas maxReplicas metrics
		affinity podAntiAffinity tolerations nodeSelector Ingress Service Deployment ConfigMap
		StatefulSet DaemonSet PodDisruptionBudget HorizontalPodAutoscaler IngressClass`) {
		commonKeys[k] = k
	}
}

func intern(b []byte) string {
	if s, ok := commonKeys[string(b)]; ok {
		return s
	}
	return string(b)
}

// splitKey cuts "key: value" (the key plain or quoted).
func splitKey(b []byte) (key string, value []byte, ok bool) {
	end := -1
	if b[0] == '"' || b[0] == '\'' {
		if i := bytes.IndexByte(b[1:], b[0]); i >= 0 {
			end = i + 2
			if end >= len(b) || b[end] != ':' {
				return "", nil, false
			}
			key = intern(b[1 : end-1])
		}
	} else {
		for i := 0; i < len(b); i++ {
			if b[i] == ':' && (i+1 == len(b) || b[i+1] == ' ' || b[i+1] == '\t') {
				end = i
				break
			}
			if b[i] == '#' && i > 0 && b[i-1] == ' ' || b[i] == '{' || b[i] == '[' || b[i] == '"' && i == 0 {
				return "", nil, false
			}
		}
		if end > 0 {
			key = intern(b[:end])
		}
	}
	if end <= 0 {
		return "", nil, false
	}
	return key, bytes.TrimSpace(b[end+1:]), true
}

func stripComment(v []byte) []byte {
	if len(v) > 0 && (v[0] == '"' || v[0] == '\'') {
		return v
	}
	if i := bytes.Index(v, []byte(" #")); i >= 0 {
		return bytes.TrimSpace(v[:i])
	}
	return v
}

// context classifies the current position by its nearest meaningful enclosing key.
func (s *yamlScan) context() (kind string, id int) {
	for i := len(s.stack) - 1; i >= 0; i-- {
		switch k := s.stack[i].key; k {
		case "labels":
			return "labels", 0
		case "matchExpressions":
			return "wild", 0
		case "selector", "matchLabels", "labelSelector":
			// The outermost of selector > matchLabels names the selector.
			id = s.stack[i].id
			for j := i - 1; j >= 0 && (s.stack[j].key == "selector" || s.stack[j].key == "labelSelector"); j-- {
				id = s.stack[j].id
			}
			return "selector", id
		case "nodeSelector", "annotations", "data", "env", "containers", "initContainers", "ports", "volumeMounts", "volumes":
			return k, 0
		}
	}
	return "", 0
}

// pair handles "key: value" at the current position. The value is converted to a
// string only when it is kept: most are not, and this runs on every line of every
// candidate file.
func (s *yamlScan) pair(key string, v []byte) {
	v = bytes.Trim(bytes.TrimSuffix(v, []byte(",")), "\"'") // JSON: "web",
	kind, id := s.context()
	switch {
	case len(s.stack) == 0 && key == "kind":
		s.kind = intern(v)
		if s.kind == "Ingress" {
			s.k.ingress = true
		}
	case len(s.stack) == 1 && s.stack[0].key == "metadata" && key == "name":
		s.name = string(v)
	case key == "ingressClassName" || key == "kubernetes.io/ingress.class":
		s.k.classRefs = append(s.k.classRefs, string(v))
		return
	case kind == "data" && controllerKeys[key]:
		s.k.controllerConfig = true
	case kind == "annotations" && (key == "cloud.google.com/backend-config" || key == "beta.cloud.google.com/backend-config"):
		// A Service names the GKE BackendConfig (another file) whose timeoutSec its
		// Ingress's load balancer waits: {"default": "name"}, {"ports": {"80": "name"}}.
		var a struct {
			Default string            `json:"default"`
			Ports   map[string]string `json:"ports"`
		}
		if json.Unmarshal(v, &a) == nil {
			s.k.name(a.Default)
			for _, n := range a.Ports {
				s.k.name(n)
			}
		}
		return
	}
	switch kind {
	case "labels":
		s.k.labels[key+"="+string(v)] = true
		return
	case "selector":
		if key == "matchLabels" || key == "matchExpressions" {
			return
		}
		i, ok := s.sels[id]
		if !ok {
			i = len(s.k.selectors)
			s.sels[id] = i
			s.k.selectors = append(s.k.selectors, nil)
		}
		s.k.selectors[i] = append(s.k.selectors[i], key+"="+string(v))
		return
	case "wild", "nodeSelector":
		return
	}
	if key == "image" {
		return // registry/repo:tag is not a host
	}
	parent := ""
	if len(s.stack) > 0 {
		parent = s.stack[len(s.stack)-1].key
	}
	switch {
	case strings.HasSuffix(key, "name") || strings.HasSuffix(key, "Name"):
		switch parent {
		case "containers", "initContainers", "ephemeralContainers", "ports", "env", "volumeMounts", "volumes", "volumeDevices":
			// a container's, port's or variable's own name links nothing
		default:
			s.k.name(string(v))
		}
	case strings.HasSuffix(key, "ARN") || strings.HasSuffix(key, "Arn"):
		if i := bytes.Index(v, []byte("targetgroup/")); i >= 0 {
			tg := v[i+len("targetgroup/"):]
			if j := bytes.IndexByte(tg, '/'); j >= 0 {
				tg = tg[:j]
			}
			s.k.name(string(tg))
		}
	}
	s.k.hosts(v)
}

// value handles a bare scalar (a list item).
func (s *yamlScan) value(v []byte) {
	v = stripComment(v)
	if len(v) > 0 && (v[0] == '{' || v[0] == '[') {
		s.flow(v)
		return
	}
	switch kind, _ := s.context(); kind {
	case "labels", "selector", "wild", "nodeSelector":
	default:
		s.k.hosts(v) // a command's or list's item: "--upstream=http://api:8080"
	}
}

// flow reads a flow collection: {a: b, c: {d: e}} and [x, {y: z}].
func (s *yamlScan) flow(v []byte) {
	depth := len(s.stack)
	key := ""
	i := 0
	for i < len(v) {
		c := v[i]
		switch {
		case c == ' ' || c == ',' || c == '\t':
			i++
		case c == '{' || c == '[':
			if key != "" {
				s.push(0, key)
				key = ""
			} else {
				s.push(0, "")
			}
			i++
		case c == '}' || c == ']':
			if key != "" {
				key = "" // "{a:}" : a key without a value
			}
			if len(s.stack) > depth {
				s.stack = s.stack[:len(s.stack)-1]
			}
			i++
		default:
			// a scalar, quoted or plain, up to , : } ]
			j := i
			if c == '"' || c == '\'' {
				if e := bytes.IndexByte(v[i+1:], c); e >= 0 {
					j = i + 2 + e
				} else {
					j = len(v)
				}
			} else {
				for j < len(v) && v[j] != ',' && v[j] != '}' && v[j] != ']' && !(v[j] == ':' && (j+1 == len(v) || v[j+1] == ' ')) {
					j++
				}
			}
			tok := bytes.Trim(bytes.TrimSpace(v[i:j]), "\"'")
			i = j
			if i < len(v) && v[i] == ':' {
				key = intern(tok)
				i++
				// the value follows: a nested collection or a scalar
				for i < len(v) && v[i] == ' ' {
					i++
				}
				if i < len(v) && (v[i] == '{' || v[i] == '[') {
					continue
				}
				j = i
				if j < len(v) && (v[j] == '"' || v[j] == '\'') {
					if e := bytes.IndexByte(v[j+1:], v[j]); e >= 0 {
						j = j + 2 + e
					} else {
						j = len(v)
					}
				} else {
					for j < len(v) && v[j] != ',' && v[j] != '}' && v[j] != ']' {
						j++
					}
				}
				val := bytes.TrimSpace(v[i:j])
				i = j
				if key == "matchExpressions" {
					s.k.wild = true
				}
				s.pair(key, val)
				key = ""
				continue
			}
			if len(tok) > 0 {
				s.value(tok)
			}
		}
	}
	s.stack = s.stack[:min(depth, len(s.stack))]
}

// scanCompose adds what a compose file links by: the keys of its second level (service
// names, which its proxies' upstreams name: `proxy_pass http://api:8000`), and the file
// and directory names of the paths it mounts (`- ./proxy/nginx.conf:/etc/nginx/nginx.conf`,
// `source: ./Caddyfile`, a config's `file: ./nginx.conf`), which are the keys a proxy
// config has by its path. Over-approximating is fine: a shared key only means parsing.
func scanCompose(k *linkKeys, src []byte) {
	for len(src) > 0 {
		line := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		t := bytes.TrimLeft(line, " ")
		indent := len(line) - len(t)
		t = bytes.TrimSpace(t)
		if indent == 2 && bytes.HasSuffix(t, []byte(":")) {
			k.name(string(t[:len(t)-1]))
			continue
		}
		t = bytes.TrimPrefix(t, []byte("- "))
		for _, key := range []string{"source:", "file:"} {
			t = bytes.TrimPrefix(t, []byte(key))
		}
		t = bytes.Trim(bytes.TrimSpace(t), "\"'")
		if !bytes.HasPrefix(t, []byte("./")) && !bytes.HasPrefix(t, []byte("../")) && !bytes.HasPrefix(t, []byte("/")) {
			continue
		}
		p := string(t)
		if i := strings.IndexByte(p, ':'); i > 0 {
			p = p[:i] // host:container[:mode]
		}
		k.name(filepath.Base(p))
		k.name(filepath.Base(filepath.Dir(p)))
	}
}
