package notify

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

func TestChannelFromYAML(t *testing.T) {
	const file = `
- name: ops-hook
  type: webhook
  url: https://hooks.example.com/salesops
  secret: 0123456789abcdef0123
  max_attempts: 3
  timeout: 5s
- name: ops-mail
  type: email
  smtp: smtp.example.com:587
  username: alerts
  password: pw-from-env
  from: Salesops Alerts <alerts@example.com>
  to: [ops@example.com, "Jürgen Müller <juergen@example.de>"]
`
	var chans []Channel
	if err := yaml.Unmarshal([]byte(file), &chans); err != nil {
		t.Fatal(err)
	}
	if len(chans) != 2 {
		t.Fatalf("read %d channels, want 2", len(chans))
	}
	hook, err := New(chans[0])
	if err != nil {
		t.Fatalf("New(webhook): %v", err)
	}
	wantHook := &Webhook{Label: "ops-hook", URL: "https://hooks.example.com/salesops", Secret: "0123456789abcdef0123",
		MaxAttempts: 3, Timeout: 5 * time.Second}
	if !reflect.DeepEqual(hook, wantHook) {
		t.Errorf("New(webhook) = %+v, want %+v", hook, wantHook)
	}
	mail, err := New(chans[1])
	if err != nil {
		t.Fatalf("New(email): %v", err)
	}
	wantMail := &Email{Label: "ops-mail", Addr: "smtp.example.com:587", From: "Salesops Alerts <alerts@example.com>",
		To: []string{"ops@example.com", "Jürgen Müller <juergen@example.de>"}, Username: "alerts", Password: "pw-from-env"}
	if !reflect.DeepEqual(mail, wantMail) {
		t.Errorf("New(email) = %+v, want %+v", mail, wantMail)
	}
	if hook.Name() != "ops-hook" || mail.Name() != "ops-mail" {
		t.Errorf("names = %q, %q, want the labels", hook.Name(), mail.Name())
	}
}

func TestChannelValidate(t *testing.T) {
	hook := func(f func(c *Channel)) Channel {
		c := Channel{Name: "ops-hook", Type: "webhook", URL: "https://hooks.example.com/x", Secret: "0123456789abcdef"}
		f(&c)
		return c
	}
	email := func(f func(c *Channel)) Channel {
		c := Channel{Name: "ops-mail", Type: "email", SMTP: "smtp.example.com:587", From: "alerts@example.com", To: []string{"ops@example.com"}}
		f(&c)
		return c
	}
	tests := []struct {
		name    string
		c       Channel
		want    []string // each a problem in the joined error; nil: valid
		notWant []string // secrets that must not appear
	}{
		{"valid webhook", hook(func(*Channel) {}), nil, nil},
		{"webhook without secret", hook(func(c *Channel) { c.Secret = "" }), nil, nil},
		{"valid email", email(func(*Channel) {}), nil, nil},
		{"email to a local relay without TLS, with auth", email(func(c *Channel) {
			c.SMTP, c.TLS, c.Username, c.Password = "localhost:25", "none", "alerts", "pw"
		}), nil, nil},
		{"no type", Channel{Name: "x"}, []string{`notify: channel "x": type: missing; want webhook or email`}, nil},
		{"unknown type", Channel{Type: "slack"}, []string{`notify: type "slack": want webhook or email`}, nil},
		{"webhook without URL", hook(func(c *Channel) { c.URL = "" }), []string{`channel "ops-hook": url: missing`}, nil},
		{"webhook ftp URL, credentials hidden", hook(func(c *Channel) { c.URL = "ftp://robot:hunter2@files.example.com/in?token=tok3n" }),
			[]string{`url "ftp://files.example.com/in": URL scheme "ftp" is not http or https`}, []string{"hunter2", "tok3n"}},
		{"webhook short secret", hook(func(c *Channel) { c.Secret = "tiny-secret" }),
			[]string{`secret: shorter than 16 bytes`}, []string{"tiny-secret"}},
		{"webhook with e-mail fields", hook(func(c *Channel) { c.To, c.SMTP = []string{"ops@example.com"}, "smtp.example.com:25" }),
			[]string{`smtp: not used by webhook channels`, `to: not used by webhook channels`}, nil},
		{"email with a URL", email(func(c *Channel) { c.URL = "https://x.example.com" }), []string{`url: not used by email channels`}, nil},
		{"email without SMTP server", email(func(c *Channel) { c.SMTP = "" }), []string{`smtp: missing; want host:port`}, nil},
		{"email SMTP without port", email(func(c *Channel) { c.SMTP = "smtp.example.com" }),
			[]string{`smtp "smtp.example.com": not host:port with a port from 1 to 65535`}, nil},
		{"email SMTP port out of range", email(func(c *Channel) { c.SMTP = "smtp.example.com:70000" }),
			[]string{`smtp "smtp.example.com:70000": not host:port`}, nil},
		{"email bad TLS mode", email(func(c *Channel) { c.TLS = "ssl" }), []string{`tls "ssl": want starttls (the default), tls or none`}, nil},
		{"email bad sender", email(func(c *Channel) { c.From = "alerts" }), []string{`from "alerts": not an e-mail address`}, nil},
		{"email no recipients", email(func(c *Channel) { c.To = nil }), []string{`to: missing; want at least one address`}, nil},
		{"email bad second recipient", email(func(c *Channel) { c.To = []string{"ops@example.com", "bob@@example.com"} }),
			[]string{`to[1] "bob@@example.com": not an e-mail address`}, nil},
		{"email recipient with CRLF", email(func(c *Channel) { c.To = []string{"ops@example.com\r\nBcc: x@example.net"} }),
			[]string{`to[0] "ops@example.com\r\nBcc: x@example.net": contains CR or LF (header injection refused)`}, nil},
		{"email credentials in clear text to a remote host", email(func(c *Channel) { c.TLS, c.Username, c.Password = "none", "alerts", "pw-9876" }),
			[]string{`username "alerts": username set with TLS mode "none" to smtp.example.com`}, []string{"pw-9876"}},
		{"email username without password", email(func(c *Channel) { c.Username = "alerts" }), []string{`password: missing while a username is set`}, nil},
		{"email password without username", email(func(c *Channel) { c.Password = "pw-9876" }),
			[]string{`a password is set without a username`}, []string{"pw-9876"}},
		{"max_attempts too high", hook(func(c *Channel) { c.MaxAttempts = 50 }), []string{`max_attempts "50": want 0 (meaning 5) to 20`}, nil},
		{"max_attempts negative", hook(func(c *Channel) { c.MaxAttempts = -1 }), []string{`max_attempts "-1"`}, nil},
		{"timeout without unit", hook(func(c *Channel) { c.Timeout = "10" }), []string{`timeout "10": want a duration such as "10s"`}, nil},
		{"timeout too long", hook(func(c *Channel) { c.Timeout = "1h" }), []string{`timeout "1h": want a duration such as "10s", above 0 and at most 5m0s`}, nil},
		{"every problem reported", Channel{Type: "email", MaxAttempts: 99},
			[]string{"smtp: missing", "from: missing", "to: missing", `max_attempts "99"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				if _, err := New(tt.c); err != nil {
					t.Fatalf("New = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate = nil, want %q", tt.want)
			}
			problems := strings.Split(err.Error(), "\n")
			if len(problems) != len(tt.want) {
				t.Errorf("Validate found %d problems, want %d:\n%v", len(problems), len(tt.want), err)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Validate = %q, want it to contain %q", err, want)
				}
			}
			for _, secret := range tt.notWant {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("Validate = %q reveals %q", err, secret)
				}
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field == "" {
				t.Errorf("Validate = %v, want *FieldError problems", err)
			}
			if n, err := New(tt.c); n != nil || err == nil {
				t.Errorf("New = %v, %v, want nil and an error", n, err)
			}
		})
	}
}

func TestChannelRedacted(t *testing.T) {
	c := Channel{Type: "webhook", URL: "https://robot:hunter2@hooks.example.com/x?token=tok3n&team=7", Secret: "0123456789abcdef",
		Password: "pw"}
	got := c.Redacted()
	want := Channel{Type: "webhook", URL: "https://xxxxx@hooks.example.com/x?team=xxxxx&token=xxxxx",
		Secret: "********", Password: "********"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Redacted = %+v, want %+v", got, want)
	}
	if c.Secret != "0123456789abcdef" {
		t.Errorf("Redacted changed the original")
	}
}
