package notify

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Channel types.
const (
	TypeWebhook = "webhook"
	TypeEmail   = "email"
)

// Limits of the settings.
const (
	MinSecretLen      = 16              // bytes of a webhook secret, when set
	MaxAttemptsLimit  = 20              // highest max_attempts
	MaxTimeoutSetting = 5 * time.Minute // longest per-attempt timeout
)

// Channel is one delivery channel as written in the configuration file:
//
//	notify:
//	  - name: ops-hook
//	    type: webhook
//	    url: https://hooks.example.com/salesops
//	    secret: ${SALESOPS_HOOK_SECRET}
//	  - name: ops-mail
//	    type: email
//	    smtp: smtp.example.com:587
//	    tls: starttls
//	    username: alerts
//	    password: ${SALESOPS_SMTP_PASSWORD}
//	    from: Salesops Alerts <alerts@example.com>
//	    to: [ops@example.com]
type Channel struct {
	Name string `yaml:"name" json:"name,omitempty"` // for logs; optional
	Type string `yaml:"type" json:"type"`           // webhook or email

	// Webhook.
	URL    string `yaml:"url" json:"url,omitempty"`
	Secret string `yaml:"secret" json:"secret,omitempty"` // secret; at least MinSecretLen bytes when set

	// E-mail.
	SMTP     string   `yaml:"smtp" json:"smtp,omitempty"` // host:port
	TLS      string   `yaml:"tls" json:"tls,omitempty"`   // starttls (default), tls or none
	Username string   `yaml:"username" json:"username,omitempty"`
	Password string   `yaml:"password" json:"password,omitempty"` // secret
	From     string   `yaml:"from" json:"from,omitempty"`
	To       []string `yaml:"to" json:"to,omitempty"`

	// Both.
	MaxAttempts int    `yaml:"max_attempts" json:"max_attempts,omitempty"` // 0 means DefaultMaxAttempts
	Timeout     string `yaml:"timeout" json:"timeout,omitempty"`           // per attempt, e.g. "10s"; "" means the channel's default
}

// FieldError is one bad setting of a channel.
type FieldError struct {
	Channel string // the channel's name, or "" when it has none
	Field   string // as in the file: "to[1]", "max_attempts"
	Value   string // the bad value, quoted in the message; never a secret
	Problem string
}

func (e *FieldError) Error() string {
	s := "notify: "
	if e.Channel != "" {
		s += "channel " + strconv.Quote(e.Channel) + ": "
	}
	s += e.Field
	if e.Value != "" {
		s += " " + strconv.Quote(e.Value)
	}
	return s + ": " + e.Problem
}

// Validate checks c and returns every problem found, joined, each a
// *FieldError naming the field and the bad value (secrets are not repeated).
func (c Channel) Validate() error {
	var errs []error
	bad := func(field, value, format string, args ...any) {
		errs = append(errs, &FieldError{Channel: c.Name, Field: field, Value: value, Problem: fmt.Sprintf(format, args...)})
	}
	unused := func(fields map[string]bool) {
		for _, f := range []string{"url", "secret", "smtp", "tls", "username", "password", "from", "to"} {
			if fields[f] {
				bad(f, "", "not used by %s channels", c.Type)
			}
		}
	}
	switch c.Type {
	case TypeWebhook:
		if c.URL == "" {
			bad("url", "", "missing")
		} else if err := checkWebhookURL(c.URL); err != nil {
			bad("url", displayURL(c.URL), "%v", err)
		}
		if c.Secret != "" && len(c.Secret) < MinSecretLen {
			bad("secret", "", "shorter than %d bytes; use a long random value", MinSecretLen)
		}
		unused(map[string]bool{"smtp": c.SMTP != "", "tls": c.TLS != "", "username": c.Username != "",
			"password": c.Password != "", "from": c.From != "", "to": len(c.To) > 0})
	case TypeEmail:
		var host string
		if c.SMTP == "" {
			bad("smtp", "", "missing; want host:port")
		} else if h, err := checkSMTPAddr(c.SMTP); err != nil {
			bad("smtp", c.SMTP, "not host:port with a port from 1 to 65535")
		} else {
			host = h
		}
		mode, err := checkTLSMode(TLSMode(c.TLS))
		if err != nil {
			bad("tls", c.TLS, "want %s (the default), %s or %s", StartTLS, ImplicitTLS, NoTLS)
		}
		if err == nil && host != "" {
			if err := checkAuth(c.Username, c.Password, mode, host); err != nil {
				bad("username", c.Username, "%v", err)
			}
		}
		if c.Username != "" && c.Password == "" {
			bad("password", "", "missing while a username is set")
		}
		if c.From == "" {
			bad("from", "", "missing")
		} else if _, err := parseAddress("from", c.From); err != nil {
			bad("from", c.From, "%s", addressProblem(err))
		}
		if len(c.To) == 0 {
			bad("to", "", "missing; want at least one address")
		}
		for i, s := range c.To {
			if _, err := parseAddress("to", s); err != nil {
				bad(fmt.Sprintf("to[%d]", i), s, "%s", addressProblem(err))
			}
		}
		unused(map[string]bool{"url": c.URL != "", "secret": c.Secret != ""})
	case "":
		bad("type", "", "missing; want %s or %s", TypeWebhook, TypeEmail)
	default:
		bad("type", c.Type, "want %s or %s", TypeWebhook, TypeEmail)
	}
	if c.MaxAttempts < 0 || c.MaxAttempts > MaxAttemptsLimit {
		bad("max_attempts", strconv.Itoa(c.MaxAttempts), "want 0 (meaning %d) to %d", DefaultMaxAttempts, MaxAttemptsLimit)
	}
	if c.Timeout != "" {
		if d, err := time.ParseDuration(c.Timeout); err != nil || d <= 0 || d > MaxTimeoutSetting {
			bad("timeout", c.Timeout, "want a duration such as \"10s\", above 0 and at most %s", MaxTimeoutSetting)
		}
	}
	return errors.Join(errs...)
}

// addressProblem is the reason of a parseAddress error without the field
// and value, which FieldError already names.
func addressProblem(err error) string {
	if inner := errors.Unwrap(err); inner != nil {
		return "not an e-mail address: " + inner.Error()
	}
	return "contains CR or LF (header injection refused)"
}

// displayURL is a URL fit for an error message: without credentials or query.
func displayURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return redactURL(u)
}

// Redacted returns c with its secrets masked, for printing the effective
// configuration.
func (c Channel) Redacted() Channel {
	if c.Secret != "" {
		c.Secret = "********"
	}
	if c.Password != "" {
		c.Password = "********"
	}
	if c.URL != "" {
		// User info and query values may be tokens; the query keys stay to
		// show which parameters are set.
		if u, err := url.Parse(c.URL); err == nil {
			if u.User != nil {
				u.User = url.User("xxxxx")
			}
			if u.RawQuery != "" {
				q := u.Query()
				for _, vs := range q {
					for i := range vs {
						vs[i] = "xxxxx"
					}
				}
				u.RawQuery = q.Encode()
			}
			c.URL = u.String()
		} else {
			c.URL = "(invalid URL)"
		}
	}
	return c
}

// New validates c and returns its Notifier: a *Webhook or an *Email.
func New(c Channel) (Notifier, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var timeout time.Duration
	if c.Timeout != "" {
		timeout, _ = time.ParseDuration(c.Timeout) // checked by Validate
	}
	switch c.Type {
	case TypeWebhook:
		return &Webhook{Label: c.Name, URL: c.URL, Secret: c.Secret, MaxAttempts: c.MaxAttempts, Timeout: timeout}, nil
	default: // TypeEmail, as Validate allows no other
		return &Email{Label: c.Name, Addr: c.SMTP, From: c.From, To: append([]string(nil), c.To...),
			Username: c.Username, Password: c.Password, TLS: TLSMode(c.TLS), MaxAttempts: c.MaxAttempts, Timeout: timeout}, nil
	}
}
