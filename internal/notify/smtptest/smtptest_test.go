package smtptest

import (
	"bufio"
	"errors"
	"net"
	"net/smtp"
	"net/textproto"
	"reflect"
	"testing"
	"time"
)

// send runs one transaction with net/smtp, upgrading with STARTTLS when the
// server offers it and s trusts its certificate.
func send(t *testing.T, s *Server, from string, to []string, data string) error {
	t.Helper()
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.ClientTLSConfig()
		cfg.ServerName = "127.0.0.1"
		if err := c.StartTLS(cfg); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, a := range to {
		if err := c.Rcpt(a); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(data)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func TestServerRecords(t *testing.T) {
	s := NewServer(t)
	// net/smtp turns LF into CRLF and doubles the leading dot; the server
	// undoes the dot and keeps CRLF.
	data := "Subject: hi\n\n.hidden dot\nend\n"
	if err := send(t, s, "a@example.com", []string{"b@example.com", "c@example.com"}, data); err != nil {
		t.Fatal(err)
	}
	want := []Message{{From: "a@example.com", To: []string{"b@example.com", "c@example.com"},
		Data: []byte("Subject: hi\r\n\r\n.hidden dot\r\nend\r\n")}}
	if got := s.Messages(); !reflect.DeepEqual(got, want) {
		t.Errorf("messages = %+v, want %+v", got, want)
	}
	if got, want := s.Commands(), []string{"EHLO", "MAIL", "RCPT", "RCPT", "DATA", "QUIT"}; !reflect.DeepEqual(got, want) {
		t.Errorf("commands = %v, want %v", got, want)
	}
	if got := s.Conns(); got != 1 {
		t.Errorf("conns = %d, want 1", got)
	}
	if s.Certificate() != nil || s.ClientTLSConfig() != nil {
		t.Error("a server without TLS has a certificate")
	}
}

func TestReply(t *testing.T) {
	tests := []struct {
		name     string
		opts     []Option
		wantErrs []int // the reply code of each of three sends; 0 for success
		wantMsgs int
	}{
		{"451 at RCPT once", []Option{Reply(Rcpt, "451 4.7.1 greylisted", 1)}, []int{451, 0, 0}, 2},
		{"421 greeting twice", []Option{Reply(Greeting, "421 4.3.2 busy", 2)}, []int{421, 421, 0}, 1},
		{"550 at RCPT always", []Option{Reply(Rcpt, "550 5.1.1 no such user", Always)}, []int{550, 550, 550}, 0},
		{"554 at the end of DATA always", []Option{Reply(EndOfData, "554 5.7.1 spam", Always)}, []int{554, 554, 554}, 0},
		{"first rule that applies wins", []Option{Reply(Mail, "452 4.3.1 full", 1), Reply(Mail, "553 5.1.8 bad sender", Always)},
			[]int{452, 553, 553}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(t, tt.opts...)
			for i, want := range tt.wantErrs {
				err := send(t, s, "a@example.com", []string{"b@example.com"}, "Subject: x\n\nbody\n")
				var te *textproto.Error
				switch {
				case want == 0 && err != nil:
					t.Errorf("send %d: %v, want success", i+1, err)
				case want != 0 && (!errors.As(err, &te) || te.Code != want):
					t.Errorf("send %d: %v, want a %d reply", i+1, err, want)
				}
			}
			if got := len(s.Messages()); got != tt.wantMsgs {
				t.Errorf("%d messages, want %d", got, tt.wantMsgs)
			}
			if got := s.Conns(); got != len(tt.wantErrs) {
				t.Errorf("conns = %d, want %d", got, len(tt.wantErrs))
			}
		})
	}
}

func TestStartTLSAndAuthPlain(t *testing.T) {
	s := NewServer(t, StartTLS(), AuthPlain())
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg := s.ClientTLSConfig()
	cfg.ServerName = "127.0.0.1"
	if err := c.StartTLS(cfg); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(smtp.PlainAuth("", "user", "pw", "127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("a@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("b@example.com"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("x\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 || !msgs[0].TLS || msgs[0].Auth != "\x00user\x00pw" {
		t.Errorf("messages = %+v, want one over TLS with AUTH \\x00user\\x00pw", msgs)
	}
}

func TestSilentAndCleanup(t *testing.T) {
	var conn net.Conn
	start := time.Now()
	t.Run("silent", func(t *testing.T) {
		s := NewServer(t, Silent())
		var err error
		conn, err = net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		var ne net.Error
		if _, err := bufio.NewReader(conn).ReadString('\n'); !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("read = %v, want a timeout: the server must not greet", err)
		}
		if got := s.Conns(); got != 1 {
			t.Errorf("conns = %d, want 1", got)
		}
	})
	if conn == nil {
		return
	}
	defer conn.Close()
	// The subtest's cleanup closed the connection left open rather than
	// waiting for the server's 10s deadline.
	if d := time.Since(start); d > connDeadline/2 {
		t.Errorf("the subtest took %s: its cleanup waited for the connection", d)
	}
	_ = conn.SetReadDeadline(time.Now().Add(time.Second))
	var ne net.Error
	if _, err := conn.Read(make([]byte, 1)); err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("read after cleanup = %v, want the connection closed", err)
	}
}
